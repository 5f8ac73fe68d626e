import Testing
import SandboxCore
@testable import SandboxRuntime

/// `sandbox doctor`'s line for `limits.processes`: per-run task counting needs Linux 5.14.
struct DoctorTests {
    @Test(arguments: [("6.18.44-fc-v669", true), ("6.1.0-27-amd64", true), ("5.14.0", true),
                      ("5.13.19", false), ("4.19.0", false), ("", false), ("garbage", false)])
    func processLimitNeedsPerNamespaceCounting(release: String, ok: Bool) {
        let check = Doctor.processLimitCheck(kernelRelease: release)
        #expect(check.ok == ok, "\(release): \(check.detail)")
        #expect(check.name == "per-run task limit")
    }
}
