package io.etch.ctl;

import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.NamingEnumeration;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;

/** --discovery-srv: the client endpoints from DNS SRV records, as etcd's srv.GetClient finds them. */
final class Discovery {
    private Discovery() {
    }

    static List<String> endpoints(EtchCtl ctl, Invocation inv) {
        String domain = inv.string("discovery-srv");
        if (domain.isEmpty()) {
            List<String> eps = new ArrayList<>();
            for (String e : inv.flag("endpoints").strings()) {
                eps.add(e.strip());
            }
            return eps;
        }
        String service = inv.string("discovery-srv-name");
        String suffix = service.isEmpty() ? "" : "-" + service;
        List<String> eps = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        lookup("_etcd-client-ssl" + suffix + "._tcp." + domain, "https", eps, errors);
        lookup("_etcd-client" + suffix + "._tcp." + domain, "http", eps, errors);
        if (eps.isEmpty()) {
            throw Exit.error(Exit.ERROR, "error querying DNS SRV records for _etcd-client " + String.join("; ", errors));
        }
        if (inv.bool("insecure-discovery")) {
            return eps;
        }
        List<String> secure = new ArrayList<>();
        for (String ep : eps) {
            if (ep.startsWith("http://")) {
                ctl.err.printf("ignoring discovered insecure endpoint %s%n", Go.quote(ep));
            } else {
                secure.add(ep);
            }
        }
        return secure;
    }

    private static void lookup(String name, String scheme, List<String> eps, List<String> errors) {
        try {
            Hashtable<String, String> envt = new Hashtable<>();
            envt.put("java.naming.factory.initial", "com.sun.jndi.dns.DnsContextFactory");
            InitialDirContext ctx = new InitialDirContext(envt);
            Attribute srv = ctx.getAttributes(name, new String[] {"SRV"}).get("SRV");
            if (srv == null) {
                return;
            }
            NamingEnumeration<?> all = srv.getAll();
            while (all.hasMore()) {
                String[] parts = all.next().toString().split(" ");
                String target = parts[3].endsWith(".") ? parts[3].substring(0, parts[3].length() - 1) : parts[3];
                eps.add(scheme + "://" + target + ":" + parts[2]);
            }
        } catch (javax.naming.NamingException e) {
            errors.add(e.getMessage());
        }
    }
}
