#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import SandboxCore
@testable import SandboxRuntime

struct SeccompCacheTests {
    let dir: String
    let policy: SeccompPolicy

    init() {
        var template = Array("/tmp/sandbox-cache-XXXXXX".utf8CString)
        dir = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!)! })
        var p = BaselineGuards.policy
        p.rules.append(SeccompRule(syscall: "ptrace", action: .killProcess))
        policy = p
    }

    func cleanup() { _ = try? Subprocess.run(["rm", "-rf", dir]) }

    func onlyFile(_ cache: SeccompCache) throws -> String {
        let listing = try Subprocess.run(["ls", cache.directory]).output.split(separator: "\n")
        #expect(listing.count == 1)
        return cache.directory + "/" + String(try #require(listing.first))
    }

    @Test func storedProgramLoadsBackIdentical() throws {
        defer { cleanup() }
        let cache = SeccompCache(directory: dir + "/a/b")
        let fresh = try SeccompCompiler.compile(policy, reportDenials: true)
        #expect(try cache.program(for: policy, reportDenials: true) == fresh)
        let path = try onlyFile(cache)
        #expect(FileSystem.lstatInfo(path)!.st_mode & 0o777 == 0o600)
        let key = Array("\(cache.libseccompVersion()) \(SeccompCompiler.layout) notify=true\n\(policy.canonicalText)".utf8)
        #expect(cache.load(path, key: key) == fresh)
        #expect(fresh.denials?.answers[101] == .kill)  // ptrace
    }

    @Test func anotherPolicyIsNotServedFromTheCache() throws {
        defer { cleanup() }
        let cache = SeccompCache(directory: dir)
        let first = try cache.program(for: policy, reportDenials: true)
        let other = try cache.program(for: BaselineGuards.policy, reportDenials: true)
        #expect(first != other)
        #expect(try cache.program(for: policy, reportDenials: false).denials == nil)
    }

    @Test func tamperedOrLooseFilesAreIgnored() throws {
        defer { cleanup() }
        let cache = SeccompCache(directory: dir)
        let expected = try cache.program(for: policy, reportDenials: true)
        let path = try onlyFile(cache)
        let key = Array("\(cache.libseccompVersion()) \(SeccompCompiler.layout) notify=true\n\(policy.canonicalText)".utf8)
        var bytes = try FileSystem.read(path)
        bytes[bytes.count - 3] ^= 0xff
        try FileSystem.writeAtomically(bytes, to: path, mode: 0o600)
        #expect(cache.load(path, key: key) == nil, "a damaged file is not a filter")
        chmod(path, 0o666)
        #expect(cache.load(path, key: key) == nil, "a file others can write is never trusted")
        #expect(try cache.program(for: policy, reportDenials: true) == expected, "rewritten from a fresh compile")
    }
}
