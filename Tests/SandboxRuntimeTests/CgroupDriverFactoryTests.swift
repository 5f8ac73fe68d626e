import XCTest
import SandboxCore
@testable import SandboxRuntime

final class CgroupDriverFactoryTests: XCTestCase {
    let v2 = CgroupDriverFactory.cgroup2SuperMagic
    let v1 = CgroupDriverFactory.cgroupSuperMagic
    let tmpfs = 0x0102_1994

    func testModeFromFilesystemMagic() {
        XCTAssertEqual(CgroupDriverFactory.mode(rootType: v2, unifiedType: nil, v1Types: []), .unified)
        // This host: tmpfs root, v1 hierarchies, cgroup2 at unified/ holding only hugetlb.
        XCTAssertEqual(CgroupDriverFactory.mode(rootType: tmpfs, unifiedType: v2, v1Types: [v1, v1, nil]), .hybrid)
        XCTAssertEqual(CgroupDriverFactory.mode(rootType: tmpfs, unifiedType: nil, v1Types: [v1]), .legacy)
        XCTAssertEqual(CgroupDriverFactory.mode(rootType: tmpfs, unifiedType: nil, v1Types: [nil, tmpfs]), .none)
        XCTAssertEqual(CgroupDriverFactory.mode(rootType: nil, unifiedType: nil, v1Types: []), .none)
    }

    func testAPlainDirectoryIsNotACgroupFilesystem() throws {
        let tree = try FakeCgroupTree()
        try tree.file("memory/cgroup.procs", "")
        // Looks like v1 by names, but statfs says it is not cgroupfs: never drive it.
        XCTAssertEqual(CgroupDriverFactory.make(root: tree.root).info.mode, .none)
    }

    func testUnavailableDriverRefusesLimitsButRunsAnEmptyPlan() throws {
        let d = CgroupUnavailableDriver(root: "/nonexistent")
        XCTAssertThrowsError(try d.create(runID: "r", plan: CgroupPlan(limits: CgroupLimits(pids: 1), unenforced: [],
                                                                       controllers: [.pids], writes: [CgroupWrite(.pids, "pids.max", "1")])))
        let run = try d.create(runID: "r", plan: CgroupPlan(limits: CgroupLimits(), unenforced: [], controllers: [], writes: []))
        XCTAssertNil(run.cloneIntoFD)
        XCTAssertEqual(run.usage(), CgroupUsage())
    }
}
