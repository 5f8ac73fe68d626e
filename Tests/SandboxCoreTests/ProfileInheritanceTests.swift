import Testing
@testable import SandboxCore

/// `extends`: scalars override, lists add, `*_remove` removes, and the errors.
@Suite struct ProfileInheritanceTests {
    /// Resolves `name` from in-memory files (name -> text).
    func resolve(_ name: String, _ files: [String: String]) -> Result<ResolvedProfile, ProfileProblems> {
        func text(_ n: String) -> ProfileText? {
            files[n].map { ProfileText(origin: "\(n).toml", identity: n, bytes: Array($0.utf8)) }
        }
        guard let first = text(name) else { return .failure(ProfileProblems([])) }
        return ProfileResolver.resolve(name: name, text: first) { base, referrer in
            guard let found = text(base) else {
                return .failure(ProfileProblem(origin: referrer.origin, line: nil, key: "extends", message: "extends: no profile named \"\(base)\""))
            }
            return .success(found)
        }
    }

    func messages(_ result: Result<ResolvedProfile, ProfileProblems>) -> [String] {
        if case .failure(let problems) = result { return problems.problems.map(\.description) }
        return []
    }

    static let base = """
        description = "base"
        [filesystem]
        read_only = ["/usr", "/etc", "/opt"]
        read_write = ["/srv/cache:/cache"]
        tmpfs = ["/scratch:1MiB"]
        tmp_size = "128MiB"
        [environment]
        allow = ["PATH", "LC_*"]
        set = { A = "1", B = "2" }
        [network]
        mode = "loopback"
        """

    @Test func scalarsOverrideListsAddAndDescriptionIsInherited() throws {
        let child = """
            extends = "base"
            [filesystem]
            read_only = ["/nix"]
            tmpfs = ["/scratch:2MiB", "/more"]
            tmp_size = "64MiB"
            [environment]
            set = { B = "3", C = "4" }
            [network]
            mode = "none"
            """
        let resolved = try resolve("child", ["base": Self.base, "child": child]).get()
        let p = resolved.profile
        #expect(resolved.chain == ["child.toml", "base.toml"])
        #expect(p.name == "child")
        #expect(p.description == "base")
        #expect(p.filesystem.readOnly == ["/usr", "/etc", "/opt", "/nix"])
        #expect(p.filesystem.readWrite == [BindSpec(source: "/srv/cache", target: "/cache")])
        // Same target: the child's entry replaces the base's in place.
        #expect(p.filesystem.tmpfs == [TmpfsSpec(target: "/scratch", sizeBytes: 2 << 20), TmpfsSpec(target: "/more", sizeBytes: 64 << 20)])
        #expect(p.filesystem.tmpSizeBytes == 64 << 20)
        #expect(p.environment.set == ["A": "1", "B": "3", "C": "4"])
        #expect(p.network.mode == .none)
    }

    @Test func removalFormTakesEntriesOut() throws {
        let child = """
            extends = "base"
            [filesystem]
            read_only_remove = ["/opt"]
            read_write_remove = ["/cache"]
            tmpfs_remove = ["/scratch"]
            [environment]
            allow_remove = ["LC_*"]
            set_remove = ["A"]
            """
        let p = try resolve("child", ["base": Self.base, "child": child]).get().profile
        #expect(p.filesystem.readOnly == ["/usr", "/etc"])
        #expect(p.filesystem.readWrite.isEmpty)
        #expect(p.filesystem.tmpfs.isEmpty)
        #expect(p.environment.allow == ["PATH"])
        #expect(p.environment.set == ["B": "2"])
    }

    @Test func removingWhatTheBaseLacksIsAnError() {
        let child = "extends = \"base\"\n[filesystem]\nread_only_remove = [\"/srv\"]\n"
        #expect(messages(resolve("child", ["base": Self.base, "child": child]))
            == ["child.toml:3: filesystem.read_only_remove: \"/srv\" is not in the base profile"])
    }

    @Test func rootProfileListsReplaceTheDefaults() throws {
        let p = try resolve("root", ["root": "[filesystem]\nread_only = [\"/usr\"]\n"]).get().profile
        #expect(p.filesystem.readOnly == ["/usr"])
        // Keys left out take the (strict) defaults.
        #expect(p.network.mode == .none && p.filesystem.git == .readOnly && p.limits.coreDumps == false)
    }

    @Test func cycleIsAnError() {
        let files = ["a": "extends = \"b\"\n", "b": "\nextends = \"c\"\n", "c": "extends = \"a\"\n"]
        #expect(messages(resolve("a", files)) == ["c.toml:1: extends: cycle (a.toml -> b.toml -> c.toml -> a.toml)"])
        #expect(messages(resolve("self", ["self": "extends = \"self\"\n"])) == ["self.toml:1: extends: cycle (self.toml -> self.toml)"])
    }

    @Test func missingBaseIsAnError() {
        #expect(messages(resolve("a", ["a": "description = \"x\"\nextends = \"nope\"\n"]))
            == ["a.toml:2: extends: no profile named \"nope\""])
    }

    @Test func depthIsCappedAtEight() throws {
        // p0 extends p1 ... : 8 levels of extends are fine, 9 are not.
        func chain(_ length: Int) -> [String: String] {
            var files: [String: String] = [:]
            for i in 0..<length { files["p\(i)"] = i == length - 1 ? "description = \"root\"\n" : "extends = \"p\(i + 1)\"\n" }
            return files
        }
        let ok = try resolve("p0", chain(9)).get()
        #expect(ok.chain.count == 9)
        #expect(ok.profile.description == "root")
        let tooDeep = messages(resolve("p0", chain(10)))
        #expect(tooDeep.count == 1)
        #expect(tooDeep.first?.hasPrefix("p8.toml:1: extends: more than 8 levels of extends (p0.toml -> ") == true)
    }

    @Test func problemsInABaseNameTheBase() {
        let files = ["child": "extends = \"base\"\n", "base": "[limits]\nmemroy = \"1G\"\n"]
        #expect(messages(resolve("child", files)) == ["base.toml:2: unknown key \"memroy\" in [limits]; did you mean \"memory\"?"])
    }

    @Test func unlimitedRemovesABaseLimit() throws {
        let files = ["base": "[limits]\nmemory = \"1GiB\"\npids = 100\n", "child": "extends = \"base\"\n[limits]\nmemory = \"unlimited\"\n"]
        let p = try resolve("child", files).get().profile
        #expect(p.limits.memoryBytes == nil)
        #expect(p.limits.pids == 100)
    }
}
