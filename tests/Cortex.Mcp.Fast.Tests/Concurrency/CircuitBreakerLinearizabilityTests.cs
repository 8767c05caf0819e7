using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Errors;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Tests.Resilience;
using CsCheck;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// The breaker's permits and the half-open probe against a sequential model of its documented semantics
/// (consecutive-failure mode, clock held still during an iteration): callers acquire permits into slots and report
/// outcomes for them in parallel. The law that matters: a half-open circuit admits exactly one probe, and only the
/// current probe's outcome closes, re-opens or releases the circuit.
/// </summary>
public sealed class CircuitBreakerLinearizabilityTests(ITestOutputHelper output)
{
    private const long Iterations = 300;
    private const int Threshold = 2;
    private const int Slots = 3;
    private static readonly TimeSpan s_break = TimeSpan.FromSeconds(10);

    [Fact]
    public void Breaker_AcquireAndReport_Linearizable() =>
        Linearizability.Check(Initial(broken: false), Operations(), Equal, a => a.ToString(), m => m.ToString(), Iterations, output);

    [Fact]
    public void TwoProbeVariant_ProbeChosenByCheckThenWrite_IsCaught() =>
        Linearizability.AssertCaught(
            () => Linearizability.Check(Initial(broken: true), Operations(), Equal, a => a.ToString(), m => m.ToString(), Linearizability.CatchIterations, output),
            output);

    /// <summary>0: closed; 1: closed with one failure; 2 and 3: open with the break just over (a probe may start).</summary>
    private static Gen<(Actual, Model)> Initial(bool broken) =>
        Gen.Int[0, 3].Select(start =>
        {
            var time = new ManualTimeProvider();
            var breaker = new CircuitBreaker(new CircuitBreakerOptions { FailureThreshold = Threshold, BreakDuration = s_break }, time);
            var model = new Model();
            for (var failures = start >= 2 ? Threshold : start; failures > 0; failures--)
            {
                Assert.True(breaker.TryAcquire(out var permit, out _));
                breaker.RecordFailure(permit);
                model.FailClosed();
            }

            if (start >= 2)
            {
                time.Advance(s_break);
                model.BreakOver();
            }

            return (new Actual(breaker, broken), model);
        });

    private static GenOperation<Actual, Model>[] Operations() =>
    [
        Linearizability.Op<Actual, Model, int>(Gen.Int[0, Slots - 1], s => $"Acquire({s})", (a, s) => a.Acquire(s), (m, s) => m.Acquire(s)),
        Linearizability.Op<Actual, Model, (int, BreakerOutcome)>(
            Gen.Select(Gen.Int[0, Slots - 1], Gen.Int[0, 2].Select(o => (BreakerOutcome)o)),
            t => $"Report({t.Item1},{t.Item2})",
            (a, t) => a.Report(t.Item1, t.Item2),
            (m, t) => m.Report(t.Item1, t.Item2)),
    ];

    private static bool Equal(Actual actual, Model model) =>
        actual.Breaker.State == model.State
        && (model.State != CircuitState.Closed || actual.Breaker.ConsecutiveFailures == model.Count)
        && actual.Probes == model.Probes
        && actual.ClosedAdmits == model.ClosedAdmits
        && actual.Rejections == model.Rejections
        && actual.SlotKinds() == model.SlotKinds();

    internal sealed class Actual(CircuitBreaker breaker, bool broken) : IRaceWindowHolder
    {
        private readonly StrongBox<CircuitPermit>?[] _slots = new StrongBox<CircuitPermit>?[Slots];
        private readonly Lock[] _slotLocks = [.. Enumerable.Range(0, Slots).Select(_ => new Lock())];
        private int _probes;
        private int _closedAdmits;
        private int _rejections;

        public CircuitBreaker Breaker { get; } = breaker;

        /// <summary>The broken variant's race window (null for the real type).</summary>
        public RaceWindow? Window { get; } = broken ? new RaceWindow() : null;

        public int Probes => Volatile.Read(ref _probes);

        public int ClosedAdmits => Volatile.Read(ref _closedAdmits);

        public int Rejections => Volatile.Read(ref _rejections);

        /// <summary>A caller asks for a permit and keeps it in slot <paramref name="slot"/> (dropped, never reported, if the slot is taken).</summary>
        public void Acquire(int slot)
        {
            // One caller per slot at a time: a slot's acquire-and-keep is one step of the model, so a report on the
            // same slot must not fall between taking the permit and keeping it (different slots still race freely).
            lock (_slotLocks[slot])
            {
                if (!(broken ? TryAcquireTwoProbes(out var permit) : Breaker.TryAcquire(out permit, out _)))
                {
                    Interlocked.Increment(ref _rejections);
                    return;
                }

                Interlocked.Increment(ref permit.IsProbe ? ref _probes : ref _closedAdmits);
                Interlocked.CompareExchange(ref _slots[slot], new StrongBox<CircuitPermit>(permit), null);
            }
        }

        /// <summary>The caller holding slot <paramref name="slot"/> reports its call's outcome (once: it takes the permit).</summary>
        public void Report(int slot, BreakerOutcome outcome)
        {
            lock (_slotLocks[slot])
            {
                if (Interlocked.Exchange(ref _slots[slot], null) is { } held)
                {
                    Breaker.Record(held.Value, outcome);
                }
            }
        }

        public string SlotKinds() => string.Concat(_slots.Select(s => s is null ? '-' : s.Value.IsProbe ? 'P' : 'C'));

        public override string ToString() =>
            $"{Breaker.State} failures={Breaker.ConsecutiveFailures} probes={Probes} closedAdmits={ClosedAdmits} rejections={Rejections} slots={SlotKinds()}";

        /// <summary>
        /// Broken on purpose: decides "the probe slot is free, so I am the probe" on a read, and acts on that
        /// decision after another caller may have taken the probe (a plain write where the breaker has a CAS). The
        /// real <see cref="CircuitBreaker.TryAcquire"/> does everything else.
        /// </summary>
        private bool TryAcquireTwoProbes(out CircuitPermit permit)
        {
            var probeLooksFree = Breaker.State != CircuitState.Closed && Breaker.RetryAfter <= TimeSpan.Zero;
            if (!probeLooksFree)
            {
                return Breaker.TryAcquire(out permit, out _);
            }

            Window!.Widen();
            if (Breaker.TryAcquire(out permit, out _))
            {
                return true;
            }

            // Lost the race but acts on its stale check: it joins the current probe.
            permit = new CircuitPermit(CircuitWord.Token(Volatile.Read(ref CircuitBreakerAccess.Word(Breaker))));
            return true;
        }
    }

    /// <summary>The sequential specification (see CircuitBreaker's remarks), with the clock held still.</summary>
    internal sealed class Model
    {
        private readonly (char Kind, int Id)[] _slots = new (char, int)[Slots];
        private Mode _mode = Mode.Closed;
        private int _generation = 1;
        private int _probe;

        private enum Mode
        {
            Closed,
            Open,
            OpenBreakOver,
            HalfOpen,
            Released,
        }

        public CircuitState State => _mode switch
        {
            Mode.Closed => CircuitState.Closed,
            Mode.Open or Mode.OpenBreakOver => CircuitState.Open,
            _ => CircuitState.HalfOpen,
        };

        public int Count { get; private set; }

        public int Probes { get; private set; }

        public int ClosedAdmits { get; private set; }

        public int Rejections { get; private set; }

        /// <summary>A failure reported with the current closed permit (used to build start states).</summary>
        public void FailClosed()
        {
            if (++Count >= Threshold)
            {
                _mode = Mode.Open;
            }
        }

        public void BreakOver() => _mode = _mode == Mode.Open ? Mode.OpenBreakOver : _mode;

        public void Acquire(int slot)
        {
            (char Kind, int Id) permit;
            switch (_mode)
            {
                case Mode.Closed:
                    ClosedAdmits++;
                    permit = ('C', _generation);
                    break;
                case Mode.OpenBreakOver or Mode.Released:
                    Probes++;
                    _mode = Mode.HalfOpen;
                    permit = ('P', ++_probe);
                    break;
                default:
                    Rejections++; // open with time left, or a probe is out
                    return;
            }

            if (_slots[slot].Kind == default)
            {
                _slots[slot] = permit;
            }
        }

        public void Report(int slot, BreakerOutcome outcome)
        {
            var (kind, id) = _slots[slot];
            _slots[slot] = default;
            if (kind == 'P' && _mode == Mode.HalfOpen && id == _probe)
            {
                switch (outcome)
                {
                    case BreakerOutcome.Success:
                        _mode = Mode.Closed;
                        _generation++;
                        Count = 0;
                        break;
                    case BreakerOutcome.Failure:
                        _mode = Mode.Open; // a new break from now: time is still, so it stays open
                        break;
                    default:
                        _mode = Mode.Released;
                        break;
                }
            }
            else if (kind == 'C' && _mode == Mode.Closed && id == _generation)
            {
                if (outcome == BreakerOutcome.Success)
                {
                    Count = 0;
                }
                else if (outcome == BreakerOutcome.Failure)
                {
                    FailClosed();
                }
            }

            // Anything else is a late outcome (an earlier period or a superseded probe): no state change.
        }

        public string SlotKinds() => string.Concat(_slots.Select(s => s.Kind == default ? '-' : s.Kind));

        public override string ToString() =>
            $"{State}({_mode}) failures={Count} probes={Probes} closedAdmits={ClosedAdmits} rejections={Rejections} slots={SlotKinds()}";
    }
}
