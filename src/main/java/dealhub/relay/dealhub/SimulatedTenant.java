package dealhub.relay.dealhub;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The simulator's tenant: {@code count} quotes made from the sample quote, each one different (status, currency,
 * customer, dates, line items, amounts, answers, approvals) and the same on every start for the same seed. A quote is
 * made from its number when asked for, so a large tenant costs no memory.
 */
public final class SimulatedTenant {

    private static final String PREFIX = "SIMQ";
    private static final DateTimeFormatter DEALHUB_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    private static final LocalDateTime EPOCH = LocalDateTime.of(2025, 1, 6, 8, 0);

    private static final List<String> STATUSES = List.of("Draft", "Draft", "PendingApproval", "ReadyToBeSent",
            "Published", "Published", "Won", "Won", "Won", "Rejected");
    private static final List<String> CURRENCIES = List.of("USD", "USD", "EUR", "EUR", "GBP", "CAD", "AUD", "JPY");
    private static final List<String> ACCOUNTS = List.of("Northwind Traders", "Contoso Ltd", "Fabrikam Inc",
            "Tailspin Toys", "Wide World Importers", "Adventure Works", "Litware Inc", "Proseware", "Fourth Coffee",
            "Woodgrove Bank", "Alpine Ski House", "Blue Yonder Airlines");
    private static final List<String> SELLERS = List.of("maria.lopez", "james.chen", "amara.okafor", "lukas.berg");
    private static final List<String> GEOS = List.of("EMEA", "NA", "APAC", "LATAM");
    private static final List<String> TERMS = List.of("12 months", "24 months", "36 months");
    private static final List<String> DEAL_TYPES = List.of("New Business", "Renewal", "Upsell");

    /** sku, name, group, list price per unit. */
    private record Product(String sku, String name, String group, int unitPrice) {
    }

    private static final List<Product> CATALOG = List.of(
            new Product("PLAT-ENT", "Platform Enterprise Edition", "Subscriptions", 1200),
            new Product("PLAT-PRO", "Platform Professional Edition", "Subscriptions", 600),
            new Product("ADD-ANL", "Analytics Add-on", "Add-ons", 240),
            new Product("ADD-SSO", "Single Sign-On", "Add-ons", 90),
            new Product("SUP-PREM", "Premium Support", "Services", 180),
            new Product("SVC-ONB", "Onboarding Package", "Services", 15000),
            new Product("SVC-TRN", "Training Day", "Services", 2500));

    private final ObjectNode sample;
    private final int count;
    private final long seed;

    public SimulatedTenant(ObjectNode sample, int count, long seed) {
        if (count < 0 || count > 1_000_000) {
            throw new IllegalArgumentException("dealhub.simulator.quotes must be from 0 to 1000000");
        }
        this.sample = sample;
        this.count = count;
        this.seed = seed;
    }

    public int size() {
        return count;
    }

    /** The id of the quote with this number (from 0). */
    public static String quoteId(int number) {
        return PREFIX + String.format(Locale.ROOT, "%08d", number);
    }

    /** The tenant's quote with this id, if it has one. */
    public Optional<ObjectNode> quote(String quoteId) {
        if (quoteId == null || !quoteId.startsWith(PREFIX) || quoteId.length() != PREFIX.length() + 8) {
            return Optional.empty();
        }
        try {
            int number = Integer.parseInt(quoteId.substring(PREFIX.length()));
            return number < count ? Optional.of(make(number)) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Entries of the quote list from {@code offset}, as DealHub lists them: id, status, and {@code info} if asked. */
    public ArrayNode list(int offset, int limit, boolean withInfo) {
        ArrayNode quotes = sample.arrayNode();
        for (int number = offset; number < Math.min(count, offset + limit); number++) {
            ObjectNode quote = make(number);
            ObjectNode entry = quotes.addObject();
            entry.put("dealhub_quote_id", quote.get("dealhub_quote_id").asText());
            entry.put("status", quote.get("status").asText());
            entry.put("quote_upgrade_required", false);
            if (withInfo) {
                entry.set("info", quote.get("info"));
            }
        }
        return quotes;
    }

    private ObjectNode make(int number) {
        Random random = new Random(seed * 1_000_003L + number);
        String quoteId = quoteId(number);
        String status = pick(random, STATUSES);
        String currency = pick(random, CURRENCIES);
        String account = pick(random, ACCOUNTS);
        String seller = pick(random, SELLERS) + "@relay-demo.example";
        LocalDateTime created = EPOCH.plusDays(random.nextInt(600)).plusMinutes(random.nextInt(600));
        LocalDateTime submitted = created.plusDays(1 + random.nextInt(10)).plusMinutes(random.nextInt(500));

        ObjectNode quote = sample.deepCopy();
        quote.put("dealhub_quote_id", quoteId);
        quote.put("status", status);
        quote.put("quote_upgrade_required", false);
        ObjectNode info = quote.get("info") instanceof ObjectNode existing ? existing : quote.putObject("info");
        info.put("external_opportunity_id", "006SIM" + String.format(Locale.ROOT, "%08d", number / 2));
        info.put("external_quote_id", "");
        info.put("external_customer_id", "001SIM" + Math.abs(account.hashCode() % 100000));
        info.put("customer_id", String.valueOf(7_000_000 + Math.abs(account.hashCode() % 100000)));
        info.put("account_name", account);
        info.put("contact_name", "Buyer " + (number % 97));
        info.put("contact_email", "buyer" + (number % 97) + "@" + account.toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z]", "") + ".example");
        info.put("dealhub_opportunity_id", "OPSIM" + String.format(Locale.ROOT, "%08d", number / 2));
        info.put("dealhub_quote_name", account + " " + pick(random, DEAL_TYPES).toLowerCase(Locale.ROOT));
        info.put("dealhub_quote_number", "Q_" + (10_000 + number));
        info.put("duplicate_from_quote", "");
        // Two quotes per opportunity, the first of them primary.
        info.put("primary_quote", number % 2 == 0);
        info.put("created_by", seller);
        info.put("creation_date", DEALHUB_DATE.format(created));
        boolean draft = status.equals("Draft");
        info.put("submitted_by", draft ? "" : seller);
        info.put("submission_date", draft ? "" : DEALHUB_DATE.format(submitted));
        info.put("expiration_date", DEALHUB_DATE.format(submitted.plusDays(30)));
        info.put("won_date", status.equals("Won") ? DEALHUB_DATE.format(submitted.plusDays(3 + random.nextInt(20))) : "");
        info.put("geo_code", pick(random, GEOS));
        info.put("currency", currency);
        info.put("quote_url", "https://app.dealhub.example/quote/" + quoteId);
        info.put("version_id", "VSIM" + (number % 5));

        int salesDiscount = random.nextInt(7) * 5;
        ArrayNode lines = quote.putArray("line_items");
        BigDecimal totalList = BigDecimal.ZERO;
        BigDecimal totalNet = BigDecimal.ZERO;
        int lineCount = 1 + random.nextInt(5);
        int first = random.nextInt(CATALOG.size());
        for (int line = 0; line < lineCount; line++) {
            Product product = CATALOG.get((first + line) % CATALOG.size());
            int quantity = product.group().equals("Services") ? 1 + random.nextInt(3) : 5 * (1 + random.nextInt(40));
            BigDecimal listPrice = BigDecimal.valueOf((long) product.unitPrice() * quantity);
            int discount = Math.min(60, salesDiscount + random.nextInt(3) * 5);
            BigDecimal netPerUnit = BigDecimal.valueOf(product.unitPrice())
                    .multiply(BigDecimal.valueOf(100 - discount)).divide(BigDecimal.valueOf(100), 2, RoundingMode.HALF_UP);
            BigDecimal net = netPerUnit.multiply(BigDecimal.valueOf(quantity));
            totalList = totalList.add(listPrice);
            totalNet = totalNet.add(net);
            ObjectNode item = lines.addObject();
            item.put("id", "LI" + quoteId + line);
            item.put("sku", product.sku());
            item.put("bundle_ref", "");
            item.put("name", product.name());
            item.put("primary_tag", product.group().equals("Services") ? "SRV" : "SUB");
            item.put("system_id", "S1");
            item.put("system_name", "Core");
            item.put("system_ordinal", 1);
            item.put("group_name", product.group());
            item.put("ordinal", line + 1);
            item.put("msrp", listPrice);
            item.put("msrp_discount", discount);
            item.put("list_price", listPrice);
            item.put("user_price", net);
            item.put("user_discount", discount);
            item.put("net_per_unit", netPerUnit);
            item.put("net_price", net);
            item.putArray("partner_discounts");
            item.put("sales_discount", salesDiscount);
            item.put("total_discount", discount);
            ObjectNode factors = item.putObject("product_factors");
            factors.put("quantity", quantity + ".0");
            ObjectNode attributes = item.putObject("attributes");
            attributes.put("Product Line", product.group());
            attributes.put("ARR", product.group().equals("Services") ? "-" : net.toPlainString());
        }
        ObjectNode summary = quote.putObject("summary");
        summary.put("currency", currency);
        summary.put("total_list_price", totalList);
        summary.put("total_net_price", totalNet);
        summary.put("total_discount", totalList.signum() == 0 ? BigDecimal.ZERO : BigDecimal.ONE.subtract(
                totalNet.divide(totalList, 6, RoundingMode.HALF_UP)).multiply(BigDecimal.valueOf(100))
                .setScale(2, RoundingMode.HALF_UP));
        summary.put("sales_discount", salesDiscount);

        ArrayNode answers = quote.putArray("answers");
        answer(answers.addObject(), "contract_term", "<b>Contract term</b>", pick(random, TERMS));
        answer(answers.addObject(), "deal_type", "Deal type", pick(random, DEAL_TYPES));

        ArrayNode approvals = quote.putArray("approvals");
        if (!draft && salesDiscount > 15) {
            ObjectNode approval = approvals.addObject();
            approval.put("reviewer", "cfo@relay-demo.example");
            approval.put("step", 1);
            approval.put("reason", "Discount above 15%");
            approval.put("status", status.equals("PendingApproval") ? "waiting"
                    : status.equals("Rejected") ? "rejected" : "approved");
            approval.put("review_date", status.equals("PendingApproval") ? ""
                    : DEALHUB_DATE.format(submitted.plusHours(4)));
            approval.put("reviewer_comment", "");
        }
        return quote;
    }

    private static void answer(ObjectNode answer, String questionId, String question, String value) {
        answer.put("system_id", "S1");
        answer.put("system_name", "Core");
        answer.put("group_id", "TERMS");
        answer.put("group_name", "Commercial Terms");
        answer.put("question_id", questionId);
        answer.put("question", question);
        answer.put("answer", value);
    }

    private static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
