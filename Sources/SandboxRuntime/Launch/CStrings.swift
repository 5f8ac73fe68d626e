#if canImport(Glibc)
import Glibc
#endif

/// Owns the C memory a recipe points into (strings, arrays) until the child has been
/// cloned: the child gets a copy of the address space, the parent frees its own.
final class CStrings {
    private var allocations: [UnsafeMutableRawPointer] = []

    func string(_ text: String) -> UnsafePointer<CChar> {
        let copy = strdup(text)!
        allocations.append(UnsafeMutableRawPointer(copy))
        return UnsafePointer(copy)
    }

    func optionalString(_ text: String?) -> UnsafePointer<CChar>? {
        text.map { string($0) }
    }

    /// A NULL-terminated array of C strings (argv, envp).
    func stringArray(_ items: [String]) -> UnsafePointer<UnsafePointer<CChar>?> {
        let array = UnsafeMutablePointer<UnsafePointer<CChar>?>.allocate(capacity: items.count + 1)
        for (i, item) in items.enumerated() { array[i] = string(item) }
        array[items.count] = nil
        allocations.append(UnsafeMutableRawPointer(array))
        return UnsafePointer(array)
    }

    func array<T>(_ items: [T]) -> UnsafeMutablePointer<T> {
        let array = UnsafeMutablePointer<T>.allocate(capacity: max(items.count, 1))
        for (i, item) in items.enumerated() { (array + i).initialize(to: item) }
        allocations.append(UnsafeMutableRawPointer(array))
        return array
    }

    deinit {
        for pointer in allocations { free(pointer) }
    }
}
