import Testing
import SandboxCore
@testable import SandboxRuntime

/// The one backend choice, from filesystem magic.
struct CgroupDriverFactoryTests {
    let v2 = CgroupDriverFactory.cgroup2SuperMagic
    let v1 = CgroupDriverFactory.cgroupSuperMagic
    let tmpfs = 0x0102_1994

    @Test func modeFromFilesystemMagic() {
        #expect(CgroupDriverFactory.mode(rootType: v2, unifiedType: nil, v1Types: []) == .unified)
        // This host: tmpfs root, v1 hierarchies, cgroup2 at unified/ holding only hugetlb.
        #expect(CgroupDriverFactory.mode(rootType: tmpfs, unifiedType: v2, v1Types: [v1, v1, nil]) == .hybrid)
        #expect(CgroupDriverFactory.mode(rootType: tmpfs, unifiedType: nil, v1Types: [v1]) == .legacy)
        #expect(CgroupDriverFactory.mode(rootType: tmpfs, unifiedType: nil, v1Types: [nil, tmpfs]) == .none)
        #expect(CgroupDriverFactory.mode(rootType: nil, unifiedType: nil, v1Types: []) == .none)
    }

    @Test func aPlainDirectoryIsNotACgroupFilesystem() throws {
        let tree = try FakeCgroupTree()
        try tree.file("memory/cgroup.procs", "")
        // Looks like v1 by names, but statfs says it is not cgroupfs: never drive it.
        #expect(CgroupDriverFactory.make(root: tree.root).info.mode == .none)
    }

    @Test func unavailableDriverRefusesLimitsButRunsAnEmptyPlan() throws {
        let d = CgroupUnavailableDriver(root: "/nonexistent")
        #expect(throws: SandboxError.self) {
            try d.create(runID: "r", plan: CgroupPlan(limits: CgroupLimits(pids: 1), unenforced: [], controllers: [.pids],
                                                      writes: [CgroupWrite(.pids, "pids.max", "1")]))
        }
        let run = try d.create(runID: "r", plan: CgroupPlan(limits: CgroupLimits(), unenforced: [], controllers: [], writes: []))
        #expect(run.cloneIntoFD == nil)
        #expect(run.usage() == CgroupUsage())
    }
}
