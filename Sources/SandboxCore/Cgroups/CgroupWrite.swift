/// One write into a run's cgroup: `value` into `file`, inside the directory of `controller`
/// (v1: that controller's hierarchy; v2: the single run directory, with `controller` enabled).
/// Written in order: some files constrain others (v1 `memory.memsw.limit_in_bytes` must not be
/// below `memory.limit_in_bytes`).
public struct CgroupWrite: Codable, Equatable, Sendable {
    public var controller: CgroupController
    public var file: String
    public var value: String

    public init(_ controller: CgroupController, _ file: String, _ value: String) {
        self.controller = controller
        self.file = file
        self.value = value
    }
}
