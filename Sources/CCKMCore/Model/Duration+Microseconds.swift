extension Duration {
    /// The whole microseconds, for logs (a request's time, a start-up's phases).
    package var wholeMicroseconds: Int64 {
        components.seconds * 1_000_000 + components.attoseconds / 1_000_000_000_000
    }
}
