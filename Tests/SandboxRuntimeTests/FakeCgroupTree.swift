import Foundation


/// A plain-directory stand-in for cgroupfs in a temp dir. What it cannot imitate, tests do by
/// hand, in the open: the kernel fills a new cgroup with interface files and drops them on
/// rmdir (here a directory with files refuses rmdir with ENOTEMPTY, as a populated cgroup
/// refuses with EBUSY; `dropInterfaceFiles` plays the kernel's part).
final class FakeCgroupTree {
    let root: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/cgroup-fake.XXXXXX").utf8CString)
        guard let made = mkdtemp(&template), let resolved = realpath(made, nil) else {
            throw NSError(domain: "mkdtemp", code: Int(errno))
        }
        // Resolved: the v1 driver resolves hierarchy paths, and tests compare with them.
        root = String(cString: resolved)
        free(resolved)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    func file(_ relative: String, _ content: String) throws {
        let path = root + "/" + relative
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: path, atomically: false, encoding: .utf8)
    }

    func read(_ relative: String) -> String? {
        try? String(contentsOfFile: root + "/" + relative, encoding: .utf8)
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: root + "/" + relative)
    }

    func directory(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/" + relative, withIntermediateDirectories: true)
    }

    func symlink(_ relative: String, to target: String) throws {
        try FileManager.default.createSymbolicLink(atPath: root + "/" + relative, withDestinationPath: target)
    }

    /// Removes the regular files in `relative` (the kernel's part of rmdir).
    func dropInterfaceFiles(_ relative: String) throws {
        let path = root + "/" + relative
        for name in try FileManager.default.contentsOfDirectory(atPath: path) {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDir), !isDir.boolValue {
                try FileManager.default.removeItem(atPath: path + "/" + name)
            }
        }
    }

    /// Makes `relative` look `seconds` old to the sweep.
    func age(_ relative: String, seconds: Double) {
        let when = Date().addingTimeInterval(-seconds)
        try? FileManager.default.setAttributes([.modificationDate: when], ofItemAtPath: root + "/" + relative)
    }

    /// A path for /proc/swaps-like input.
    func noSwap() throws -> String {
        try file("proc-swaps", "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n")
        return root + "/proc-swaps"
    }
}

/// A real child process (`sleep`) for tests that kill what a cgroup lists.
func spawnSleeper() throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sleep")
    process.arguments = ["100"]
    try process.run()
    return process
}
