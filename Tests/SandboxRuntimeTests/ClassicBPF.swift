/// A classic-BPF interpreter for seccomp programs, for tests only: runs the filter
/// libseccomp compiled against a `struct seccomp_data` so a test can compare the kernel's
/// future verdict with `SeccompPolicy.action(for:args:)` without loading anything.
/// Covers the instructions libseccomp 2.5 emits; anything else fails the run.
struct ClassicBPF {
    struct Instruction { var code: UInt16; var jt: UInt8; var jf: UInt8; var k: UInt32 }
    enum Failure: Error { case unsupported(UInt16, at: Int), outOfRange(Int) }

    let program: [Instruction]

    init(bytes: [UInt8]) {
        program = stride(from: 0, to: bytes.count, by: 8).map { i in
            let u16 = UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8
            let k = (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[i + 4 + $1]) << (8 * UInt32($1)) }
            return Instruction(code: u16, jt: bytes[i + 2], jf: bytes[i + 3], k: k)
        }
    }

    static let auditArchX86_64: UInt32 = 0xC000_003E
    static let auditArchI386: UInt32 = 0x4000_0003

    /// struct seccomp_data: nr, arch, instruction_pointer, args[6]; little-endian.
    static func data(nr: Int32, arch: UInt32 = auditArchX86_64, args: [UInt64]) -> [UInt8] {
        var d = [UInt8]()
        d += withUnsafeBytes(of: nr.littleEndian, Array.init)
        d += withUnsafeBytes(of: arch.littleEndian, Array.init)
        d += [UInt8](repeating: 0, count: 8)
        for i in 0..<6 { d += withUnsafeBytes(of: (i < args.count ? args[i] : 0).littleEndian, Array.init) }
        return d
    }

    /// The SECCOMP_RET_* value the program returns.
    func run(_ data: [UInt8]) throws -> UInt32 {
        var a: UInt32 = 0, x: UInt32 = 0, mem = [UInt32](repeating: 0, count: 16), pc = 0
        func word(_ offset: Int) throws -> UInt32 {
            guard offset >= 0, offset + 4 <= data.count else { throw Failure.outOfRange(offset) }
            return (0..<4).reduce(UInt32(0)) { $0 | UInt32(data[offset + $1]) << (8 * UInt32($1)) }
        }
        while pc < program.count {
            let ins = program[pc]
            pc += 1
            let jump = { (taken: Bool) in pc += Int(taken ? ins.jt : ins.jf) }
            switch ins.code {
            case 0x20: a = try word(Int(ins.k))                    // ld [k]
            case 0x00: a = ins.k                                     // ld #k
            case 0x01: x = ins.k                                     // ldx #k
            case 0x60: a = mem[Int(ins.k)]                           // ld M[k]
            case 0x61: x = mem[Int(ins.k)]                           // ldx M[k]
            case 0x02: mem[Int(ins.k)] = a                           // st M[k]
            case 0x03: mem[Int(ins.k)] = x                           // stx M[k]
            case 0x54: a &= ins.k                                    // and #k
            case 0x44: a |= ins.k                                    // or #k
            case 0x07: x = a                                         // tax
            case 0x87: a = x                                         // txa
            case 0x05: pc += Int(ins.k)                              // ja
            case 0x15: jump(a == ins.k)                              // jeq #k
            case 0x25: jump(a > ins.k)                               // jgt #k
            case 0x35: jump(a >= ins.k)                              // jge #k
            case 0x45: jump(a & ins.k != 0)                          // jset #k
            case 0x1d: jump(a == x)                                  // jeq x
            case 0x2d: jump(a > x)                                   // jgt x
            case 0x3d: jump(a >= x)                                  // jge x
            case 0x06: return ins.k                                  // ret #k
            case 0x16: return a                                      // ret a
            default: throw Failure.unsupported(ins.code, at: pc - 1)
            }
        }
        throw Failure.outOfRange(pc)
    }
}
