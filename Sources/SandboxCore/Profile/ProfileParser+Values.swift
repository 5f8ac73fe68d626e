/// One check per `ProfileSchema.Kind`. A key's value is stored only when it is entirely valid.
extension ParseContext {
    mutating func check(_ key: ProfileSchema.Key, _ value: TOMLNode) {
        let path = key.path
        let before = problems.count
        let result: ProfileValue?
        switch key.kind {
        case .text: result = text(path, value).map(ProfileValue.string)
        case .profileName: result = profileName(path, value).map(ProfileValue.string)
        case .bool:
            if let b = value.bool { result = .bool(b) } else { result = nil; wrongType(path, "true or false", value) }
        case .choice(let options): result = choice(path, value, options).map(ProfileValue.string)
        case .size(let min, let max, let unlimited): result = size(path, value, min: min, max: max, unlimited: unlimited)
        case .duration(let min, let max, let unlimited): result = duration(path, value, min: min, max: max, unlimited: unlimited)
        case .count(let min, let max, let unlimited): result = count(path, value, min: min, max: max, unlimited: unlimited)
        case .cpus: result = cpus(path, value)
        case .hostID: result = hostID(path, value)
        case .paths: result = stringList(path, value, "an array of absolute paths", Self.pathProblem).map(ProfileValue.strings)
        case .binds: result = binds(path, value).map(ProfileValue.binds)
        case .tmpfs: result = tmpfsList(path, value).map(ProfileValue.tmpfs)
        case .envPatterns:
            let rule = key.name == "deny" ? Self.envDenyPatternProblem : Self.envPatternProblem
            result = stringList(path, value, "an array of variable names or PREFIX* patterns", rule).map(ProfileValue.strings)
        case .envMap: result = envMap(path, value).map(ProfileValue.map)
        case .capabilities: result = stringList(path, value, "an array of capability names", Self.capabilityProblem).map(ProfileValue.strings)
        case .removals(let target): result = removals(path, value, of: ProfileSchema.key(key.table + "." + target)?.kind)
        case .io: result = io(path, value)
        case .seccompPolicy: result = seccompPolicy(path, value).map(ProfileValue.string)
        case .syscalls: result = stringList(path, value, "an array of syscall names", Self.syscallNameProblem).map(ProfileValue.strings)
        }
        if problems.count == before, let result { layer.values[path] = result }
    }

    mutating func wrongType(_ path: String, _ expected: String, _ value: TOMLNode) {
        problem(path, "expected \(expected), found \(value.typeName)")
    }

    // MARK: scalars

    mutating func text(_ path: String, _ value: TOMLNode) -> String? {
        guard let s = value.string else { wrongType(path, "a string", value); return nil }
        if s.unicodeScalars.contains(where: Self.isControl) { problem(path, "must be one line without control characters"); return nil }
        if s.unicodeScalars.count > 200 { problem(path, "is longer than 200 characters"); return nil }
        return s
    }

    mutating func profileName(_ path: String, _ value: TOMLNode) -> String? {
        guard let s = value.string else { wrongType(path, "a profile name", value); return nil }
        guard ProfileName.isValid(s) else { problem(path, "\(TOMLText.quoted(s)) is not a profile name (\(ProfileName.rule))"); return nil }
        return s
    }

    mutating func choice(_ path: String, _ value: TOMLNode, _ options: [String]) -> String? {
        // Only for the messages: joined(separator:) costs a conformance scan on first use.
        var list: String { options.map { "\"\($0)\"" }.joined(separator: ", ") }
        guard let s = value.string else { wrongType(path, "one of \(list)", value); return nil }
        guard options.contains(s) else {
            let hint = Suggestions.closest(to: s, in: options).map { "; did you mean \"\($0)\"?" } ?? ""
            problem(path, "\(TOMLText.quoted(s)) is not one of \(list)\(hint)")
            return nil
        }
        return s
    }

    mutating func size(_ path: String, _ value: TOMLNode, min: UInt64, max: UInt64, unlimited: Bool) -> ProfileValue? {
        let bytes: UInt64
        if let i = value.int {
            guard i >= 0 else { problem(path, "must not be negative"); return nil }
            bytes = UInt64(i)
        } else if let s = value.string {
            return sizeText(path, s, min: min, max: max, unlimited: unlimited)
        } else {
            wrongType(path, "a size (bytes as an integer, or a string like \"512MiB\")", value)
            return nil
        }
        guard bytes >= min, bytes <= max else {
            problem(path, "\(ProfileUnits.formatSize(bytes)) is out of range (\(ProfileUnits.formatSize(min)) to \(ProfileUnits.formatSize(max)))")
            return nil
        }
        return .integer(bytes)
    }

    mutating func sizeText(_ path: String, _ s: String, min: UInt64, max: UInt64, unlimited: Bool) -> ProfileValue? {
        if s == "unlimited" {
            if unlimited { return .unlimited }
            problem(path, "\"unlimited\" is not allowed here")
            return nil
        }
        switch ProfileUnits.parseSize(s) {
        case .success(let bytes):
            guard bytes >= min, bytes <= max else {
                problem(path, "\(ProfileUnits.formatSize(bytes)) is out of range (\(ProfileUnits.formatSize(min)) to \(ProfileUnits.formatSize(max)))")
                return nil
            }
            return .integer(bytes)
        case .failure(let e):
            problem(path, e.message)
            return nil
        }
    }

    mutating func duration(_ path: String, _ value: TOMLNode, min: Double, max: Double, unlimited: Bool) -> ProfileValue? {
        if let i = value.int {
            problem(path, "a duration needs a unit: write \"\(i)s\" (or ms, m, h)")
            return nil
        }
        guard let s = value.string else { wrongType(path, "a duration (a string like \"90s\")", value); return nil }
        if s == "unlimited" {
            if unlimited { return .unlimited }
            problem(path, "\"unlimited\" is not allowed here")
            return nil
        }
        switch ProfileUnits.parseDuration(s) {
        case .success(let seconds):
            guard seconds >= min, seconds <= max else {
                problem(path, "\(s) is out of range (\(ProfileUnits.formatDuration(min)) to \(ProfileUnits.formatDuration(max)))")
                return nil
            }
            return .number(seconds)
        case .failure(let e):
            problem(path, e.message)
            return nil
        }
    }

    mutating func count(_ path: String, _ value: TOMLNode, min: UInt64, max: UInt64, unlimited: Bool) -> ProfileValue? {
        if unlimited, value.string == "unlimited" { return .unlimited }
        guard let i = value.int else { wrongType(path, unlimited ? "an integer or \"unlimited\"" : "an integer", value); return nil }
        guard i >= 0, UInt64(i) >= min, UInt64(i) <= max else { problem(path, "\(i) is out of range (\(min) to \(max))"); return nil }
        return .integer(UInt64(i))
    }

    mutating func cpus(_ path: String, _ value: TOMLNode) -> ProfileValue? {
        if value.string == "unlimited" { return .unlimited }
        let number: Double
        if let i = value.int { number = Double(i) } else if let d = value.double { number = d } else {
            wrongType(path, "a number of CPUs (like 2 or 0.5) or \"unlimited\"", value)
            return nil
        }
        // cgroup cpu.max cannot express less than 1% of a CPU (1 ms per 100 ms period).
        guard number.isFinite else { problem(path, "\(number) is not a finite number"); return nil }
        guard number >= 0.01, number <= 1024 else { problem(path, "\(number) is out of range (0.01 to 1024)"); return nil }
        return .number(number)
    }

    mutating func hostID(_ path: String, _ value: TOMLNode) -> ProfileValue? {
        guard let i = value.int else { wrongType(path, "an integer", value); return nil }
        if i == 0 { problem(path, "0 is root; a sandbox never runs as host root"); return nil }
        // (uid_t)-1 means "no change" to setresuid: never a real id.
        guard i > 0, i < 4_294_967_295 else { problem(path, "\(i) is out of range (1 to 4294967294)"); return nil }
        return .integer(UInt64(i))
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7F || (scalar.value >= 0x80 && scalar.value < 0xA0)
    }
}
