package io.etch.config;

import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** etcd's VerifyBootstrap / VerifyJoinExisting: the checks made before a fresh member starts. */
final class Bootstrap {
    private Bootstrap() {}

    static void verify(EtchConfig c) throws ConfigException {
        String discovery = c.extra("discovery");
        if (!discovery.isEmpty()) {
            if (!c.isNewCluster()) {
                throw new ConfigException("discovery URL should not be set when joining existing initial cluster");
            }
            return; // the cluster comes from the discovery service, not from --initial-cluster
        }
        if (!c.extra("discovery-srv").isEmpty()) {
            return; // likewise from DNS
        }
        InitialCluster cluster = c.initialClusterMembers();
        if (!cluster.contains(c.name())) {
            throw new ConfigException(
                    "couldn't find local name " + GoValues.quote(c.name()) + " in the initial cluster configuration");
        }
        if (c.isNewCluster()) {
            advertiseMatchesCluster(c.name(), c.initialAdvertisePeerUrls(), cluster.peerUrls(c.name()));
        }
        if (cluster.duplicateUrl().isPresent()) {
            throw new ConfigException("initial cluster " + cluster + " has duplicate url");
        }
    }

    /** The member's --initial-advertise-peer-urls must be its URLs in --initial-cluster, after name resolution. */
    private static void advertiseMatchesCluster(String name, List<String> advertised, List<String> inCluster)
            throws ConfigException {
        List<String> ap = sorted(advertised);
        List<String> ic = sorted(inCluster);
        String reason = urlsEqual(ap, ic);
        if (reason == null) {
            return;
        }
        TreeSet<String> missingFromAdvertised = new TreeSet<>(ic);
        missingFromAdvertised.removeAll(ap);
        if (!missingFromAdvertised.isEmpty()) {
            List<String> pairs = new ArrayList<>();
            missingFromAdvertised.forEach(u -> pairs.add(name + "=" + u));
            throw new ConfigException("--initial-cluster has " + String.join(",", pairs)
                    + " but missing from --initial-advertise-peer-urls=" + String.join(",", ap) + " (" + reason + ")");
        }
        TreeSet<String> missingFromCluster = new TreeSet<>(ap);
        missingFromCluster.removeAll(ic);
        String own = new InitialCluster(Map.of(name, ap)).toString();
        if (!missingFromCluster.isEmpty()) {
            throw new ConfigException("--initial-advertise-peer-urls has " + String.join(",", missingFromCluster)
                    + " but missing from --initial-cluster=" + own);
        }
        throw new ConfigException(
                "failed to resolve " + String.join(",", ap) + " to match --initial-cluster=" + own + " (" + reason + ")");
    }

    /** etcd's netutil.URLStringsEqual: null when equal, else why not. Hosts are resolved only if the text differs. */
    private static String urlsEqual(List<String> a, List<String> b) {
        if (a.size() != b.size()) {
            return "len(" + goList(a) + ") != len(" + goList(b) + ")";
        }
        if (a.equals(b)) {
            return null;
        }
        List<String> ra = new ArrayList<>();
        List<String> rb = new ArrayList<>();
        for (List<String> in : List.of(a, b)) {
            List<String> out = in == a ? ra : rb;
            for (String u : in) {
                try {
                    out.add(EtcdUrls.resolve(u));
                } catch (UnknownHostException e) {
                    return "failed to resolve " + GoValues.quote(u) + " (" + e.getMessage() + ")";
                }
            }
        }
        ra.sort(null);
        rb.sort(null);
        for (int i = 0; i < ra.size(); i++) {
            if (!ra.get(i).equals(rb.get(i))) {
                return "resolved urls: " + GoValues.quote(ra.get(i)) + " != " + GoValues.quote(rb.get(i));
            }
        }
        return null;
    }

    private static List<String> sorted(List<String> urls) {
        List<String> out = new ArrayList<>(urls);
        out.sort(null);
        return out;
    }

    /** Go's %q of a []string: ["a" "b"]. */
    private static String goList(List<String> xs) {
        List<String> quoted = new ArrayList<>();
        xs.forEach(x -> quoted.add(GoValues.quote(x)));
        return "[" + String.join(" ", quoted) + "]";
    }
}
