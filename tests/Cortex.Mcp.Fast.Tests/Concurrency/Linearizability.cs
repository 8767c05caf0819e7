using System.Diagnostics;
using CsCheck;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// The one way the concurrency tests run CsCheck's <c>SampleParallel</c>: a random initial state and a random
/// sequential prefix, then up to <see cref="MaxParallel"/> operations started together on their own threads; the
/// final state must equal the model's after at least one ordering of those operations (linearizability).
/// </summary>
/// <remarks>
/// Bounded by iterations, never by wall time, so a slow machine runs the same amount of checking, only slower.
/// Thread interleavings cannot be seeded; the operation sequences are random per run, and a failure prints the
/// seed that replays them (CsCheck retries a failing seed up to <see cref="Replay"/> times to reproduce it).
/// </remarks>
internal static class Linearizability
{
    /// <summary>Operations run in parallel per iteration (each on its own thread; 4 keeps 4! = 24 orderings).</summary>
    public const int MaxParallel = 4;

    /// <summary>Operations run one after another before the parallel ones, to reach varied start states.</summary>
    public const int MaxSequential = 4;

    /// <summary>How often a failing seed is re-run to reproduce the failure.</summary>
    public const int Replay = 20;

    /// <summary>Runs the check; throws <see cref="CsCheckException"/> when an execution is not linearizable.</summary>
    public static void Check<TActual, TModel>(
        Gen<(TActual, TModel)> initial,
        GenOperation<TActual, TModel>[] operations,
        Func<TActual, TModel, bool> equal,
        Func<TActual, string> printActual,
        Func<TModel, string> printModel,
        long iterations,
        ITestOutputHelper output)
    {
        var clock = Stopwatch.StartNew();
        initial.SampleParallel(
            operations,
            equal,
            seed: null,
            maxSequentialOperations: MaxSequential,
            maxParallelOperations: MaxParallel,
            iter: iterations,
            time: -1,
            threads: 1,
            printActual: printActual,
            printModel: printModel,
            replay: Replay,
            writeLine: output.WriteLine);
        output.WriteLine($"{iterations} iterations linearizable in {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>
    /// Asserts that <paramref name="check"/> finds a non-linearizable execution (the control for a deliberately
    /// broken variant), and writes CsCheck's counterexample to the test output.
    /// </summary>
    public static void AssertCaught(Action check, ITestOutputHelper output)
    {
        var clock = Stopwatch.StartNew();
        var caught = Assert.Throws<CsCheckException>(check);
        output.WriteLine($"caught in {clock.ElapsedMilliseconds} ms:");
        output.WriteLine(caught.Message);
    }
}

/// <summary>
/// Widens the race window of a deliberately broken variant (between its check and its act), so the parallel check
/// meets the bug within a bounded number of iterations instead of by luck. Only broken variants call it.
/// </summary>
internal static class RaceWindow
{
    /// <summary>About 50 µs: long next to the few nanoseconds of a real check-then-act gap, short next to an iteration.</summary>
    private static readonly long s_ticks = Stopwatch.Frequency / 20_000;

    public static void Widen()
    {
        Thread.Yield();
        var until = Stopwatch.GetTimestamp() + s_ticks;
        while (Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }
    }
}
