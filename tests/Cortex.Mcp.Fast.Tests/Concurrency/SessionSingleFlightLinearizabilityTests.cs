using Cortex.Mcp.Fast.Transports.StreamableHttp;
using CsCheck;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// <see cref="McpSessionManager"/>'s single-flight (re-)initialise against a sequential model: callers get the
/// session, and callers report a session (by generation) as lost, in parallel. The law that matters: one initialize
/// per absence of a session, however many callers ask at once, and a loss reported for a session that is no longer
/// current (a burst of 404s on the old one) changes nothing.
/// </summary>
/// <remarks>The manager runs with the stateless revision (2026-07-28), whose "initialize" makes no request, so
/// the check exercises the manager's compare-and-swap logic alone, at memory speed. Sessions are compared by the
/// generations callers saw (a sorted list), so no bookkeeping of the test has to be atomic with the manager's.</remarks>
public sealed class SessionSingleFlightLinearizabilityTests(ITestOutputHelper output)
{
    private const long Iterations = 300;
    private const int MaxGeneration = 3;

    [Fact]
    public void SessionManager_GetAndInvalidate_Linearizable() =>
        Linearizability.Check(Initial(broken: false), Operations(), Equal, a => a.ToString(), m => m.ToString(), Iterations, output);

    [Fact]
    public void InitialisedTwiceVariant_StartByCheckThenWrite_IsCaught() =>
        Linearizability.AssertCaught(
            () => Linearizability.Check(Initial(broken: true), Operations(), Equal, a => a.ToString(), m => m.ToString(), Linearizability.CatchIterations, output),
            output);

    private static Gen<(Actual, Model)> Initial(bool broken) => Gen.Const(0).Select(_ => (new Actual(broken), new Model()));

    private static GenOperation<Actual, Model>[] Operations() =>
    [
        Linearizability.Op<Actual, Model>("Get", a => a.Get(), m => m.Get()),
        Linearizability.Op<Actual, Model, int>(Gen.Int[1, MaxGeneration], g => $"Lost({g})", (a, g) => a.Lost(g), (m, g) => m.Lost(g)),
    ];

    private static bool Equal(Actual actual, Model model) =>
        actual.Manager.InitializeCount == model.Initializes
        && (actual.Manager.Current?.Generation ?? 0) == model.Current
        && actual.Seen() == model.Seen()
        && actual.Faults == 0;

    internal sealed class Actual : IRaceWindowHolder
    {
        private readonly bool _broken;
        private readonly McpSession?[] _started = new McpSession?[MaxGeneration + 1];
        private readonly List<int> _seen = [];
        private readonly Lock _gate = new();
        private int _faults;

        public Actual(bool broken)
        {
            _broken = broken;
            Window = broken ? new RaceWindow() : null;
            Manager.SessionStarted += session =>
            {
                if (session.Generation <= MaxGeneration)
                {
                    Volatile.Write(ref _started[session.Generation], session);
                }
            };
        }

        public McpSessionManager Manager { get; } = new(
            null!, // never used: the stateless revision sends no initialize request
            new McpServiceOptions { Mcp = { UseStatelessRevision = true } },
            new McpClientIdentity("concurrency-tests", "1.0"),
            TimeProvider.System,
            CancellationToken.None);

        public int Faults => Volatile.Read(ref _faults);

        /// <summary>The broken variant's race window (null for the real type).</summary>
        public RaceWindow? Window { get; }

        /// <summary>A caller gets the session (starting one if there is none) and notes which one it got.</summary>
        public void Get()
        {
            try
            {
                if (_broken)
                {
                    StartByCheckThenWrite();
                }

                var session = Manager.GetAsync(CancellationToken.None).AsTask().GetAwaiter().GetResult();
                lock (_gate)
                {
                    _seen.Add(session.Generation);
                }
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _faults);
            }
        }

        /// <summary>A caller that used session <paramref name="generation"/> saw it lost (404 on its session id).</summary>
        public void Lost(int generation)
        {
            if (Volatile.Read(ref _started[generation]) is { } lost)
            {
                Manager.Invalidate(lost);
            }
        }

        public string Seen()
        {
            lock (_gate)
            {
                return string.Join(',', _seen.Order());
            }
        }

        public override string ToString() =>
            $"initializes={Manager.InitializeCount} current={Manager.Current?.Generation ?? 0} seen=[{Seen()}] faults={Faults}";

        /// <summary>
        /// Broken on purpose: a caller that finds no session "claims" the start with a plain write instead of the
        /// manager's CAS, clearing whatever another caller started meanwhile — so both start one. The real
        /// <see cref="McpSessionManager.GetAsync"/> does the rest.
        /// </summary>
        private void StartByCheckThenWrite()
        {
            ref var session = ref McpSessionManagerAccess.Session(Manager);
            if (Volatile.Read(ref session) is null)
            {
                Window!.Widen();
                Volatile.Write(ref session, null);
            }
        }
    }

    /// <summary>The sequential specification: at most one session; the first caller after an absence starts one.</summary>
    internal sealed class Model
    {
        private readonly List<int> _seen = [];

        public int Initializes { get; private set; }

        /// <summary>The current session's generation; 0 when there is none.</summary>
        public int Current { get; private set; }

        public void Get()
        {
            if (Current == 0)
            {
                Current = ++Initializes;
            }

            _seen.Add(Current);
        }

        public void Lost(int generation)
        {
            if (generation == Current)
            {
                Current = 0;
            }
        }

        public string Seen() => string.Join(',', _seen.Order());

        public override string ToString() => $"initializes={Initializes} current={Current} seen=[{Seen()}]";
    }
}
