package dealhub.relay;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * Imports run one way: the relay's packages form no circle, and only the root package (which wires the relay
 * together) knows them all, while none of them knows it.
 */
@AnalyzeClasses(packages = "dealhub.relay", importOptions = ImportOption.DoNotIncludeTests.class)
class PackageDependenciesTest {

    @ArchTest
    static final ArchRule noPackageDependsOnItselfThroughOthers =
            slices().matching("dealhub.relay.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule noPackageDependsOnTheOneThatWiresTheRelay =
            noClasses().that().resideOutsideOfPackage("dealhub.relay")
                    .should().dependOnClassesThat().resideInAPackage("dealhub.relay");
}
