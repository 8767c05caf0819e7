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

    /// <summary>Operations run one after another before the parallel ones, to reach varied start states (default).</summary>
    public const int MaxSequential = 4;

    /// <summary>
    /// The bound for a deliberately broken variant: the check stops at its first counterexample, so a large bound
    /// costs nothing when the bug is caught and keeps a control from missing it by luck (300 missed one once in 15 runs).
    /// </summary>
    public const long CatchIterations = 3_000;

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
        ITestOutputHelper output,
        int maxSequential = MaxSequential)
    {
        var clock = Stopwatch.StartNew();
        initial.SampleParallel(
            operations,
            equal,
            seed: null,
            maxSequentialOperations: maxSequential,
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

    /// <summary>An operation without a parameter; the actual side tells a broken variant's window when it finished.</summary>
    public static GenOperation<TActual, TModel> Op<TActual, TModel>(string name, Action<TActual> actual, Action<TModel> model)
        where TActual : IRaceWindowHolder =>
        GenOperation.Create<TActual, TModel>(name, a => { actual(a); a.Window?.Finished(); }, model);

    /// <summary>An operation with a generated parameter.</summary>
    public static GenOperation<TActual, TModel> Op<TActual, TModel, T>(Gen<T> parameter, Func<T, string> name, Action<TActual, T> actual, Action<TModel, T> model)
        where TActual : IRaceWindowHolder =>
        GenOperation.Create<TActual, TModel, T>(parameter, name, (a, t) => { actual(a, t); a.Window?.Finished(); }, model);

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

/// <summary>An actual state that may carry a deliberately broken variant's race window.</summary>
internal interface IRaceWindowHolder
{
    /// <summary>The broken variant's window; null for the real type (its operations get no help).</summary>
    RaceWindow? Window { get; }
}

/// <summary>
/// Widens the race window of a deliberately broken variant (between its check and its act), so the parallel check
/// meets the bug within a bounded number of iterations instead of by luck: the broken operation, after its check,
/// waits until another operation of the same iteration has finished (or 2 ms), then acts. Only broken variants
/// widen; the real types run untouched.
/// </summary>
internal sealed class RaceWindow
{
    private static readonly long s_maxWait = Stopwatch.Frequency / 500;
    private int _finished;

    /// <summary>An operation of this iteration finished (called after each operation of a broken variant's state).</summary>
    public void Finished() => Interlocked.Increment(ref _finished);

    /// <summary>Called by a broken variant between its check and its act.</summary>
    public void Widen()
    {
        var seen = Volatile.Read(ref _finished);
        var until = Stopwatch.GetTimestamp() + s_maxWait;
        Thread.Yield();
        while (Volatile.Read(ref _finished) == seen && Stopwatch.GetTimestamp() < until)
        {
            Thread.SpinWait(20);
        }
    }
}
