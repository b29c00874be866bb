import TestSupport
import Testing

@testable import CCKMEngine

/// The group commit's bookkeeping as a state machine, without a store or a thread: one drain
/// scheduled at a time, items that come during a drain go with its next batch, and an empty queue
/// leaves nothing scheduled (the next submit schedules its own).
@Suite(.inProcess()) struct DrainStateTests {
    @Test func theFirstSubmitSchedulesADrainAndTheOthersJoinIt() {
        var state = DrainState<Int>()
        let first = state.submit(1)
        #expect(first, "nothing was scheduled: the caller schedules a drain")
        let second = state.submit(2)
        #expect(!second, "a drain is scheduled: the item waits for it")
        #expect(state.draining)
        let batch = state.takeBatch()
        #expect(batch == [1, 2], "one batch takes every item queued")
        let more = state.batchWritten()
        #expect(!more, "nothing came meanwhile: the drain ends")
        #expect(!state.draining)
        let afterwards = state.submit(3)
        #expect(afterwards, "after the drain ended, the next submit schedules a new one")
    }

    @Test func anItemSubmittedDuringABatchGoesWithTheNextOne() {
        var state = DrainState<String>()
        _ = state.submit("a")
        let first = state.takeBatch()
        #expect(first == ["a"])
        let during = state.submit("b")
        #expect(!during, "the running drain takes it: no second drain is scheduled")
        let more = state.batchWritten()
        #expect(more, "the caller schedules the next batch")
        let second = state.takeBatch()
        #expect(second == ["b"])
        let evenMore = state.batchWritten()
        #expect(!evenMore)
        #expect(state.items.isEmpty && !state.draining)
    }

    @Test func aDrainThatFindsNothingEndsAndTheNextSubmitSchedulesAgain() {
        var state = DrainState<Int>()
        _ = state.submit(1)
        let batch = state.takeBatch()
        #expect(batch == [1])
        // A second scheduled drain (one that raced the first) finds the queue empty.
        let nothing = state.takeBatch()
        #expect(nothing.isEmpty)
        #expect(!state.draining, "an empty batch ends the drain")
        let next = state.submit(2)
        #expect(next)
    }

    /// Whatever the order of submits and batches, every item is taken exactly once, in the order
    /// submitted, and exactly one drain is scheduled whenever items wait and none runs.
    @Test(arguments: [1, 2, 3, 7, 42])
    func everyItemIsTakenOnceInOrderUnderAnyInterleaving(seed: Int) {
        var generator = SeededGenerator(seed: UInt64(seed))
        var state = DrainState<Int>()
        var scheduled = 0
        var taken: [Int] = []
        var next = 0
        for _ in 0..<500 {
            if Bool.random(using: &generator) || scheduled == 0 {
                if state.submit(next) { scheduled += 1 }
                next += 1
            } else {
                scheduled -= 1
                let batch = state.takeBatch()
                taken += batch
                if !batch.isEmpty, state.batchWritten() { scheduled += 1 }
            }
            #expect(scheduled <= 1, "at most one drain scheduled or running")
            #expect(state.draining == (scheduled == 1))
        }
        while scheduled > 0 {
            scheduled -= 1
            let batch = state.takeBatch()
            taken += batch
            if !batch.isEmpty, state.batchWritten() { scheduled += 1 }
        }
        #expect(taken == Array(0..<next))
        #expect(!state.draining)
    }
}

/// SplitMix64, for interleavings that are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
