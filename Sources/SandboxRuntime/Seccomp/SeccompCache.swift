#if canImport(Glibc)
import Glibc
#endif
import CSeccomp
import SandboxCore

/// Compiled filters cached on disk by their policy, so a 300-rule policy costs a file read
/// rather than a libseccomp compile on every run. The cache lives where no sandbox can
/// write (/var/cache/sandbox as root, ~/.cache/sandbox otherwise: neither is mounted in a
/// sandbox); a file not owned by us, writable by others, or whose stored key differs from
/// the policy is ignored and rewritten.
public struct SeccompCache {
    let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// Two variables at most, read directly: building the whole environment again costs
    /// every `sandbox run` for nothing (root needs neither).
    public static func forCurrentUser() -> SeccompCache? {
        if getuid() == 0 { return SeccompCache(directory: "/var/cache/sandbox/seccomp") }
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) }.flatMap { $0.hasPrefix("/") ? $0 : nil } }
        if let xdg = variable("XDG_CACHE_HOME") { return SeccompCache(directory: xdg + "/sandbox/seccomp") }
        if let home = variable("HOME") { return SeccompCache(directory: home + "/.cache/sandbox/seccomp") }
        return nil
    }

    static let magic = Array("sandbox-seccomp-cache 1\n".utf8)

    /// The program for `policy`, from the cache or compiled (and then stored; a cache that
    /// cannot be written only costs the next run a compile).
    public func program(for policy: SeccompPolicy, reportDenials: Bool) throws(SandboxError) -> SeccompCompiler.Program {
        let key = Array("\(libseccompVersion()) \(SeccompCompiler.layout) notify=\(reportDenials)\n\(policy.canonicalText)".utf8)
        let path = directory + "/" + Self.hexDigest(key)
        if let cached = load(path, key: key) { return cached }
        let program = try SeccompCompiler.compile(policy, reportDenials: reportDenials)
        store(program, key: key, at: path)
        return program
    }

    func load(_ path: String, key: [UInt8]) -> SeccompCompiler.Program? {
        guard let st = FileSystem.lstatInfo(path), FileSystem.isRegular(st), st.st_uid == geteuid(),
              st.st_mode & 0o022 == 0, let bytes = try? FileSystem.read(path, limit: 4 << 20, noFollow: true)
        else { return nil }
        var reader = ByteReader(bytes)
        guard reader.take(Self.magic.count) == Self.magic, let keyLength = reader.u32(),
              reader.take(Int(keyLength)) == key, let sum = reader.take(16),
              let body = reader.take(bytes.count - reader.offset), sum == Array(Self.hexDigest(body).utf8) else { return nil }
        var bodyReader = ByteReader(body)
        return ProgramCoding.decode(&bodyReader)
    }

    func store(_ program: SeccompCompiler.Program, key: [UInt8], at path: String) {
        guard makeDirectories() else { return }
        var bytes = Self.magic
        ByteWriter.u32(UInt32(key.count), into: &bytes)
        bytes += key
        var body: [UInt8] = []
        ProgramCoding.encode(program, into: &body)
        // A checksum of the body: a damaged file must never load as a different filter.
        bytes += Array(Self.hexDigest(body).utf8) + body
        try? FileSystem.writeAtomically(bytes, to: path, mode: 0o600, stage: .setup)
    }

    func makeDirectories() -> Bool {
        var path = ""
        for part in directory.split(separator: "/") {
            path += "/" + part
            if mkdir(path, 0o700) != 0 && errno != EEXIST { return false }
        }
        guard let st = FileSystem.lstatInfo(directory), FileSystem.isDirectory(st), st.st_uid == geteuid(),
              st.st_mode & 0o022 == 0 else { return false }
        return true
    }

    func libseccompVersion() -> String {
        guard let v = seccomp_version() else { return "libseccomp ?" }
        return "libseccomp \(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }

    /// FNV-1a, 64 bits: names the file only; the full key stored inside decides a hit.
    static func hexDigest(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// The cache file's body: the BPF program and the denial table.
enum ProgramCoding {
    static func encode(_ program: SeccompCompiler.Program, into bytes: inout [UInt8]) {
        ByteWriter.u32(UInt32(program.bytes.count), into: &bytes)
        bytes += program.bytes
        guard let table = program.denials else {
            bytes.append(0)
            return
        }
        bytes.append(1)
        encode(table.defaultAnswer, into: &bytes)
        encode(table.badArchAnswer, into: &bytes)
        ByteWriter.u32(UInt32(table.answers.count), into: &bytes)
        for number in table.answers.keys.sorted() {
            ByteWriter.u32(UInt32(bitPattern: number), into: &bytes)
            encode(table.answers[number], into: &bytes)
        }
    }

    static func encode(_ answer: DenialTable.Answer?, into bytes: inout [UInt8]) {
        switch answer {
        case nil: bytes.append(0); ByteWriter.u32(0, into: &bytes)
        case .errno(let e): bytes.append(1); ByteWriter.u32(UInt32(bitPattern: e), into: &bytes)
        case .kill: bytes.append(2); ByteWriter.u32(0, into: &bytes)
        }
    }

    static func decode(_ reader: inout ByteReader) -> SeccompCompiler.Program? {
        guard let length = reader.u32(), length % 8 == 0, let bpf = reader.take(Int(length)), let flag = reader.byte() else { return nil }
        if flag == 0 { return reader.atEnd ? SeccompCompiler.Program(bytes: bpf, denials: nil) : nil }
        var table = DenialTable()
        guard let defaultAnswer = decodeAnswer(&reader), let badArch = decodeAnswer(&reader), let count = reader.u32() else { return nil }
        table.defaultAnswer = defaultAnswer
        guard let badArch = badArch else { return nil }
        table.badArchAnswer = badArch
        for _ in 0..<count {
            guard let number = reader.u32(), let answer = decodeAnswer(&reader), let answer else { return nil }
            table.answers[Int32(bitPattern: number)] = answer
        }
        return reader.atEnd ? SeccompCompiler.Program(bytes: bpf, denials: table) : nil
    }

    /// nil: malformed; .some(nil): no answer.
    static func decodeAnswer(_ reader: inout ByteReader) -> DenialTable.Answer?? {
        guard let kind = reader.byte(), let value = reader.u32() else { return nil }
        switch kind {
        case 0: return .some(nil)
        case 1: return .some(.errno(Int32(bitPattern: value)))
        case 2: return .some(.kill)
        default: return nil
        }
    }
}

struct ByteReader {
    let bytes: [UInt8]
    var offset = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var atEnd: Bool { offset == bytes.count }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, bytes.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    mutating func byte() -> UInt8? { take(1)?.first }

    mutating func u32() -> UInt32? {
        guard let b = take(4) else { return nil }
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }
}

enum ByteWriter {
    static func u32(_ value: UInt32, into bytes: inout [UInt8]) {
        bytes += [UInt8(value & 0xff), UInt8(value >> 8 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 24)]
    }
}
