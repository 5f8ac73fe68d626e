import CSandbox
import SandboxCore

/// What the child reported on the report pipe, decoded.
struct ChildMessages {
    var setupError: (stage: Int32, step: Int32, errno: Int32)?
    var execErrno: Int32?
    var exitStatus: Int32?
    var commandPID: Int32?

    mutating func absorb(_ m: sbx_message) {
        switch UInt32(m.kind) {
        case SBX_MSG_SETUP_ERROR.rawValue: if setupError == nil { setupError = (m.stage, m.step, m.value) }
        case SBX_MSG_EXEC_ERROR.rawValue:
            // The command's own setup steps (caps, seccomp) report through the exec pipe too.
            if m.stage == Int32(SBX_STAGE_EXEC.rawValue) { execErrno = m.value } else if setupError == nil {
                setupError = (m.stage, m.step, m.value)
            }
        case SBX_MSG_EXIT_STATUS.rawValue:
            StartupTrace.mark("command-exited")
            exitStatus = m.value
        case SBX_MSG_COMMAND_PID.rawValue:
            StartupTrace.mark("command-execed")
            commandPID = m.value
        default: break
        }
    }

    /// Names the failed step with the plan's own words: "mount tmpfs on `/tmp`".
    static func describe(stage: Int32, step: Int32, plan: SandboxPlan) -> String {
        let mount = step >= 0 && Int(step) < plan.mounts.count ? plan.mounts[Int(step)] : nil
        switch UInt32(stage) {
        case SBX_STAGE_WAIT_PARENT.rawValue: return "wait for the parent"
        case SBX_STAGE_IDENTITY.rawValue: return "switch to uid \(plan.identity.insideUID) gid \(plan.identity.insideGID)"
        case SBX_STAGE_MOUNT_PREPARE.rawValue:
            return "open bind source `\(mount?.source ?? "?")` (for `\(mount?.target ?? "?")`)"
        case SBX_STAGE_ROOT.rawValue: return "mount the new root tmpfs at `\(plan.root.base)`"
        case SBX_STAGE_MOUNT.rawValue:
            guard let mount else { return "mount step \(step)" }
            switch mount.kind {
            case .bind: return "bind `\(mount.source ?? "?")` on `\(mount.target)`"
            case .symlink: return "symlink `\(mount.target)` -> `\(mount.source ?? "?")`"
            case .directory: return "mkdir `\(mount.target)`"
            default: return "mount \(mount.kind.rawValue) on `\(mount.target)`"
            }
        case SBX_STAGE_PIVOT_ROOT.rawValue: return "pivot_root into the new root"
        case SBX_STAGE_HOSTNAME.rawValue: return "sethostname `\(plan.hostname)`"
        case SBX_STAGE_LOOPBACK.rawValue: return "bring up `lo`"
        case SBX_STAGE_RLIMIT.rawValue:
            let limit = step >= 0 && Int(step) < plan.rlimits.count ? plan.rlimits[Int(step)].resource.rawValue : "?"
            return "setrlimit \(limit)"
        case SBX_STAGE_CHDIR.rawValue: return "chdir `\(plan.workingDirectory)`"
        case SBX_STAGE_SESSION.rawValue: return "setsid"
        case SBX_STAGE_FORK.rawValue: return "fork the command"
        case SBX_STAGE_SIGNALS.rawValue: return "reset signals"
        case SBX_STAGE_CAPABILITIES.rawValue: return "drop capabilities"
        case SBX_STAGE_NO_NEW_PRIVS.rawValue: return "set no_new_privs"
        case SBX_STAGE_CLOSE_FDS.rawValue: return "close inherited file descriptors"
        case SBX_STAGE_SECCOMP.rawValue: return "load the seccomp filter"
        case SBX_STAGE_FILTER_RECEIVE.rawValue: return "receive the seccomp filter from the runner"
        case SBX_STAGE_CGROUP_NS.rawValue: return "unshare the cgroup namespace"
        case SBX_STAGE_CGROUP_ATTACH.rawValue: return "join the run's cgroup (write `0` to `tasks`)"
        default: return "stage \(stage)"
        }
    }
}
