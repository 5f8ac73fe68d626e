import Glibc
import SandboxCore

/// Where `--profile NAME` is searched, in order; each directory is a parameter so tests
/// point them at temp dirs.
public struct ProfileSearchPath: Equatable, Sendable {
    /// `<main worktree>/.sandbox/profiles` of the repository around the current directory.
    public var repository: String?
    /// `$XDG_CONFIG_HOME/sandbox/profiles` (or `$HOME/.config/sandbox/profiles`).
    public var user: String?
    public var system: String?

    public init(repository: String?, user: String?, system: String? = "/etc/sandbox/profiles") {
        self.repository = repository
        self.user = user
        self.system = system
    }

    /// The production search path for a caller in `directory` with `environment`
    /// ("NAME=VALUE" strings). Runs git once to find the main worktree.
    public static func forCaller(directory: String, environment: [String]) -> ProfileSearchPath {
        var env: [String: String] = [:]
        for item in environment {
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { env[String(parts[0])] = String(parts[1]) }
        }
        // XDG base directory spec: a relative XDG_CONFIG_HOME is invalid and ignored.
        var config = env["XDG_CONFIG_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
        if config == nil, let home = env["HOME"], home.hasPrefix("/") { config = home + "/.config" }
        let repository = GitCommonDirectory.mainWorktree(around: directory, environment: environment)
        return ProfileSearchPath(repository: repository.map { $0 + "/.sandbox/profiles" },
                                 user: config.map { $0 + "/sandbox/profiles" })
    }

    /// (label, directory) in search order; built-ins come after these.
    var directories: [(String, String)] {
        [("repository", repository), ("user", user), ("system", system)].compactMap { label, dir in dir.map { (label, $0) } }
    }
}

/// A profile found and resolved, with where each of its files came from.
public struct LoadedProfile: Equatable, Sendable {
    public var resolved: ResolvedProfile
    /// Real paths of the files read ("built-in NAME" for built-ins), itself first.
    public var files: [String]
    public var profile: Profile { resolved.profile }
}

/// Finds, reads and resolves profiles. A profile is never read from inside the worktree
/// being sandboxed nor from a path the profile itself makes writable: a worker must not be
/// able to loosen its own next run. Such a file is refused with an error, never skipped.
public struct ProfileLoader: Sendable {
    public var searchPath: ProfileSearchPath
    /// The working directory, for relative `--profile FILE` paths.
    public var currentDirectory: String

    public init(searchPath: ProfileSearchPath, currentDirectory: String) {
        self.searchPath = searchPath
        self.currentDirectory = currentDirectory
    }

    /// Loads `argument` (nil: the default, strict) for a run in `worktree` (nil when nothing
    /// will run, as for `sandbox profile show`). `writable` names more host paths the run
    /// will be able to write (the sources of `--bind` flags): no profile file may lie below
    /// them either.
    public func load(_ argument: String?, worktree: String?, writable: [String] = []) -> Result<LoadedProfile, ProfileProblems> {
        let argument = argument ?? BuiltinProfiles.defaultName
        var guardDirs: [String] = []
        if let worktree { guardDirs.append(ProfileFiles.realPath(worktree) ?? worktree) }
        guardDirs += writable.map { ProfileFiles.realPath($0) ?? $0 }
        var levels: [String: Int] = [:]

        let first: ProfileText
        let name: String
        if ProfileName.isFileReference(argument) {
            let path = argument.hasPrefix("/") ? argument : currentDirectory + "/" + argument
            switch readFile(path, shownAs: argument, guardDirs: guardDirs) {
            case .failure(var problem):
                if problem.message == Self.missing { problem.message = "no such profile file" }
                return .failure(ProfileProblems([problem]))
            case .success(let text): first = text
            }
            var base = Substring(argument.split(separator: "/").last ?? Substring(argument))
            if base.hasSuffix(".toml") { base = base.dropLast(5) }
            name = String(base)
            levels[first.identity] = -1
        } else {
            guard ProfileName.isValid(argument) else {
                return .failure(ProfileProblems([ProfileProblem(origin: "--profile", line: nil,
                    message: "\(argument.debugDescription) is not a profile name (\(ProfileName.rule)) nor a file (give a path with '/' or ending in .toml)")]))
            }
            switch find(argument, after: -1, guardDirs: guardDirs, levels: &levels) {
            case .failure(let problem): return .failure(ProfileProblems([problem]))
            case .success(let text): first = text
            }
            name = argument
        }

        let resolved = ProfileResolver.resolve(name: name, text: first) { base, referrer in
            // A file extending its own name means the next one in the search order (a
            // repository's strict.toml extends the system's or the built-in strict).
            let ownName = Self.profileName(of: referrer.origin)
            let after = ownName == base ? (levels[referrer.identity] ?? -1) : -1
            return find(base, after: after, guardDirs: guardDirs, levels: &levels)
        }
        guard case .success(let result) = resolved else { return resolved.map { LoadedProfile(resolved: $0, files: []) } }

        // The profile's own read-write binds are writable by the sandbox too.
        let files = Array(levels.keys)
        for bind in result.profile.filesystem.readWrite {
            let source = ProfileFiles.realPath(bind.source) ?? bind.source
            for file in files where file.hasPrefix("/") && ProfileFiles.isInside(file, source) {
                return .failure(ProfileProblems([ProfileProblem(origin: file, line: nil,
                    message: "refusing a profile file that the sandbox could write: it is inside the read-write bind `\(bind.source)`")]))
            }
        }
        return .success(LoadedProfile(resolved: result, files: result.identities.map(Self.origin(for:))))
    }

    /// Searches the directories after position `after` (-1: all), then the built-ins.
    func find(_ name: String, after: Int, guardDirs: [String], levels: inout [String: Int]) -> Result<ProfileText, ProfileProblem> {
        let dirs = searchPath.directories
        for (position, (_, dir)) in dirs.enumerated() where position > after {
            let path = "\(dir)/\(name).toml"
            switch readFile(path, shownAs: path, guardDirs: guardDirs) {
            case .failure(let problem):
                if problem.message == Self.missing { continue }
                return .failure(problem)
            case .success(let text):
                levels[text.identity] = position
                return .success(text)
            }
        }
        if let builtin = BuiltinProfiles.text(named: name) {
            levels[builtin.identity] = dirs.count
            return .success(builtin)
        }
        let searched = dirs.enumerated().filter { $0.offset > after }.map(\.element.1) + ["the built-ins"]
        return .failure(ProfileProblem(origin: "--profile", line: nil,
            message: "no profile named \(name.debugDescription) (searched \(searched.joined(separator: ", ")))"))
    }

    static let missing = "(missing)"

    func readFile(_ path: String, shownAs: String, guardDirs: [String]) -> Result<ProfileText, ProfileProblem> {
        switch ProfileFiles.read(path) {
        case .missing:
            return .failure(ProfileProblem(origin: shownAs, line: nil, message: Self.missing))
        case .failed(let reason):
            return .failure(ProfileProblem(origin: shownAs, line: nil, message: reason))
        case .file(let real, let bytes):
            for dir in guardDirs where ProfileFiles.isInside(real, dir) {
                return .failure(ProfileProblem(origin: shownAs, line: nil,
                    message: "refusing a profile the sandbox could write (`\(real)` is in `\(dir)`, the worktree or a read-write bind of this run): keep profiles outside worktrees and binds"))
            }
            return .success(ProfileText(origin: shownAs, identity: real, bytes: bytes))
        }
    }

    /// "…/strict.toml" or "built-in strict" -> "strict".
    static func profileName(of origin: String) -> String {
        if origin.hasPrefix("built-in ") { return String(origin.dropFirst(9)) }
        var base = Substring(origin.split(separator: "/").last ?? Substring(origin))
        if base.hasSuffix(".toml") { base = base.dropLast(5) }
        return String(base)
    }

    static func origin(for identity: String) -> String {
        identity.hasPrefix("builtin:") ? "built-in " + String(identity.dropFirst(8)) : identity
    }
}

extension ProfileLoader {
    /// The loader for this process: its working directory and environment.
    public static func forCurrentProcess() -> ProfileLoader {
        var cwd = "/"
        if let buffer = getcwd(nil, 0) {
            cwd = String(cString: buffer)
            free(buffer)
        }
        var environment: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            environment.append(String(cString: entry))
            cursor += 1
        }
        return ProfileLoader(searchPath: .forCaller(directory: cwd, environment: environment), currentDirectory: cwd)
    }

    /// `load` for `sandbox run`/`plan`: the first problem as a profile error (exit 125).
    public func loadForRun(_ argument: String?, worktree: String, writable: [String] = []) throws(SandboxError) -> LoadedProfile {
        switch load(argument, worktree: worktree, writable: writable) {
        case .success(let loaded): return loaded
        case .failure(let problems): throw problems.sandboxError
        }
    }

    /// One row of `sandbox profile list`.
    public struct Listing: Equatable, Sendable {
        public var name: String
        /// The file, or "built-in".
        public var source: String
        public var description: String
        /// The file that wins over this one, when another comes first in the search order.
        public var shadowedBy: String?
    }

    /// Every profile in search order; a name found again later is listed as shadowed.
    public func list() -> [Listing] {
        var rows: [Listing] = []
        var seen: [String: String] = [:]
        func describe(_ argument: String) -> String {
            switch load(argument, worktree: nil) {
            case .success(let loaded): return loaded.profile.description
            case .failure(let problems): return "invalid: " + (problems.problems.first?.description ?? "")
            }
        }
        for (_, dir) in searchPath.directories {
            for file in ProfileFiles.tomlFiles(in: dir) {
                let name = String(file.dropLast(5))
                guard ProfileName.isValid(name) else { continue }
                let path = "\(dir)/\(file)"
                rows.append(Listing(name: name, source: path, description: describe(path), shadowedBy: seen[name]))
                if seen[name] == nil { seen[name] = path }
            }
        }
        for name in BuiltinProfiles.names {
            let description = (try? BuiltinProfiles.load(name).get().profile.description) ?? "invalid"
            rows.append(Listing(name: name, source: "built-in", description: description, shadowedBy: seen[name]))
        }
        return rows
    }
}
