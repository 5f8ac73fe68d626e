#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import SandboxCore

/// The network namespace (with `lo` up) and the IPC namespace of the next run, made by a
/// helper process while the main thread plans (CSandbox prepared.c says why). An optimisation
/// only: when they were not prepared, or the plan does not want them, the child gets fresh
/// ones from clone3 as before, or none.
public enum PreparedNamespaces {
    // The helper is started before main by CSandbox (prepared.c) for `sandbox run`
    // as root: an unprivileged caller could not make them outside its own user namespace.
    // SANDBOX_NO_PREPARED_NAMESPACES=1 keeps to clone3 (tests compare both ways).

    /// The descriptors for `plan`'s child (each -1 when it gets a new one from clone3);
    /// the caller closes them after the clone. Prepared namespaces the plan does not ask for
    /// are closed here (a `network = "host"` run).
    static func take(for plan: SandboxPlan) -> (network: Int32, ipc: Int32) {
        var net: Int32 = -1, ipc: Int32 = -1
        guard sbx_prepare_namespaces_take(&net, &ipc) == 0 else { return (-1, -1) }
        if !(plan.namespaces.contains(.network) && plan.loopbackUp) { close(net); net = -1 }
        if !plan.namespaces.contains(.ipc) { close(ipc); ipc = -1 }
        return (net, ipc)
    }
}
