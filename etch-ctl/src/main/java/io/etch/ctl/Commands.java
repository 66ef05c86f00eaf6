package io.etch.ctl;

/** etcdctl's command tree, with its flags, defaults and help texts, and Etch's own commands. */
final class Commands {
    private Commands() {
    }

    static Command root(EtchCtl ctl) {
        Command root = new Command("etcdctl", "A simple command line client for etcd3.", null, null);
        FlagSet g = root.persistent;
        g.strings("endpoints", "[127.0.0.1:2379]", "gRPC endpoints");
        g.bool("debug", "", false, "enable client-side debug logging");
        g.string("write-out", "w", "simple", "set the output format (fields, json, protobuf, simple, table)");
        g.bool("hex", "", false, "print byte strings as hex encoded strings");
        g.duration("dial-timeout", "2s", "dial timeout for client connections");
        g.duration("command-timeout", "5s", "timeout for short running command (excluding dial timeout)");
        g.duration("keepalive-time", "2s", "keepalive time for client connections");
        g.duration("keepalive-timeout", "6s", "keepalive timeout for client connections");
        g.bool("insecure-transport", "", true, "disable transport security for client connections");
        g.bool("insecure-discovery", "", true, "accept insecure SRV records describing cluster endpoints");
        g.bool("insecure-skip-tls-verify", "", false,
            "skip server certificate verification (CAUTION: this option should be enabled only for testing purposes)");
        g.string("cert", "", "", "identify secure client using this TLS certificate file");
        g.string("key", "", "", "identify secure client using this TLS key file");
        g.string("cacert", "", "", "verify certificates of TLS-enabled secure servers using this CA bundle");
        g.string("user", "", "", "username[:password] for authentication (prompt if password is not supplied)");
        g.string("password", "", "",
            "password for authentication (if this option is used, --user option shouldn't include password)");
        g.string("discovery-srv", "d", "", "domain name to query for SRV records describing cluster endpoints");
        g.string("discovery-srv-name", "", "", "service name to query when using DNS discovery");

        KvCommands.register(root);
        WatchCommand.register(root);
        LeaseCommands.register(root);
        ClusterCommands.register(root);
        AuthCommands.register(root);
        ConcurrencyCommands.register(root);
        EtchCommands.register(root);
        CheckCommands.register(root);
        root.add(new Command("version", "Prints the version of etcdctl", null, inv -> {
            inv.ctl().out.println("etcdctl version: " + Usage.VERSION);
            inv.ctl().out.println("API version: " + Usage.API_VERSION);
        }));
        Command help = new Command("help [command]", "Help about any command",
            "Help provides help for any command in the application.\nSimply type etcdctl help [path to command] for full details.",
            inv -> {
                Command c = root;
                for (String a : inv.args()) {
                    Command next = c.findChild(a);
                    if (next == null) {
                        inv.ctl().out.printf("Unknown help topic %s%n", Go.quote(inv.args().toString()));
                        inv.ctl().out.print(Usage.of(root));
                        return;
                    }
                    c = next;
                }
                inv.ctl().out.print(Usage.of(c));
            });
        root.add(help);
        addHelpFlags(root);
        return root;
    }

    /** cobra gives every command a -h/--help flag. */
    private static void addHelpFlags(Command c) {
        c.local.bool("help", "h", false, "help for " + c.name());
        c.children.forEach(Commands::addHelpFlags);
    }
}
