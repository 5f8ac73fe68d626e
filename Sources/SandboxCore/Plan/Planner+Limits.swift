/// The cgroup part of the plan: profile limits, replaced by the command line's, checked
/// against what the host can enforce (fail closed unless `--allow-unenforced`).
extension Planner {
    static func cgroupPlan(profile: Profile, request: RunRequest, host: HostFacts) throws(SandboxError) -> CgroupPlan {
        let settings = profile.limits
        let memory = request.memoryBytes ?? settings.memoryBytes
        if settings.swapBytes != nil && memory == nil {
            throw SandboxError(.profile, "profile \(profile.name): limits.swap needs limits.memory (swap is allowed on top of the memory limit)")
        }
        if memory == 0 || (request.pids ?? settings.pids) == 0 {
            throw SandboxError(.usage, "a memory or pids limit of 0 would stop the command from starting")
        }
        var cpu: CPUQuota?
        if let cpus = request.cpus ?? settings.cpus {
            do { cpu = try CPUQuota(cpus: cpus) } catch { throw error.wrapped(request.cpus != nil ? "--cpus" : "profile \(profile.name): limits.cpus") }
        }
        let limits = CgroupLimits(memoryBytes: memory, swapBytes: settings.swapBytes ?? 0,
                                  pids: request.pids ?? settings.pids, cpu: cpu)
        return try CgroupPlan.make(limits: limits, host: host.cgroup, allowUnenforced: Set(request.allowUnenforced))
    }
}
