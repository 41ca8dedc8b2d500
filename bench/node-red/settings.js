// Node-RED as bench/run.sh runs it beside the relay (bench/README.md): the checked-in flow (flows.json) and
// nothing else. No editor and no admin API, loopback only, quiet logs, nothing reached on the network but the
// Get Quote stand-in the flow calls.
//   BENCH_NODE_RED_PORT  the port (run.sh gives it the relay's, 18080: the two never run at the same time)
//   BENCH_JSONL          the file the flow appends one line to per event
module.exports = {
    uiHost: "127.0.0.1",
    uiPort: Number(process.env.BENCH_NODE_RED_PORT || 18080),
    httpAdminRoot: false,
    httpNodeRoot: "/",
    flowFilePretty: true,
    credentialSecret: false,
    diagnostics: { enabled: false, ui: false },
    runtimeState: { enabled: false, ui: false },
    telemetry: { enabled: false, updateNotification: false },
    logging: { console: { level: "warn", metrics: false, audit: false } },
    exportGlobalContextKeys: false,
    externalModules: { autoInstall: false, palette: { allowInstall: false }, modules: { allowInstall: false } },
    functionExternalModules: false,
    editorTheme: { projects: { enabled: false } }
};
