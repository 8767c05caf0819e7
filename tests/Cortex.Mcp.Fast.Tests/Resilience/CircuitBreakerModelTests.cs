using Cortex.Mcp.Fast.Resilience;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Time.Testing;

namespace Cortex.Mcp.Fast.Tests.Resilience;

/// <summary>
/// Model-based property: random sequences of acquire / success / failure / ignored / advance-time run against the
/// lock-free breaker and a plain locked reference model; every decision and observable must agree.
/// </summary>
public sealed class CircuitBreakerModelTests
{
    private static readonly TimeSpan Break = TimeSpan.FromSeconds(30);

    /// <summary>Time steps the generator picks from: none, one tick, parts of a break, exactly a break.</summary>
    private static readonly TimeSpan[] s_steps =
    [
        TimeSpan.Zero,
        TimeSpan.FromTicks(1),
        TimeSpan.FromSeconds(10),
        Break - TimeSpan.FromTicks(1),
        Break,
        Break * 2,
    ];

    /// <summary>
    /// Operation codes spread over the whole int range (FsCheck's default ints are small and mostly zero, which
    /// never leaves the closed state); arrays shrink with FsCheck's own array shrinker.
    /// </summary>
    private static readonly Arbitrary<int[]> s_operations = Arb.From(
        Gen.Choose(0, int.MaxValue).ArrayOf(),
        ArbMap.Default.ArbFor<int[]>().Shrinker);

    [Property(MaxTest = 300, StartSize = 50, EndSize = 400)]
    public Property Operations_RandomSequence_MatchReferenceModel(byte thresholdSeed) =>
        Prop.ForAll(s_operations, operations => Run(thresholdSeed, operations));

    private static void Run(byte thresholdSeed, int[] operations)
    {
        int threshold = 1 + (thresholdSeed % 4);
        var time = new FakeTimeProvider();
        var breaker = new CircuitBreaker(
            new CircuitBreakerOptions { FailureThreshold = threshold, BreakDuration = Break },
            time);
        var model = new ReferenceBreaker(threshold, Break.Ticks);
        var outstanding = new List<(CircuitPermit Real, ModelPermit Model)>();
        long now = 0;

        foreach (int raw in operations)
        {
            uint op = unchecked((uint)raw);
            // Weighted mix (of 10): 3 acquire, 1 success, 3 failure, 1 ignored, 2 advance time; so that runs
            // reach Open, the probe and its outcomes often, not only the closed state.
            uint kind = op % 10;
            int arg = (int)(op / 10);
            if (kind <= 2)
            {
                bool admitted = breaker.TryAcquire(out var permit, out var retryAfter);
                bool expected = model.TryAcquire(now, out var modelPermit, out long modelRetryAfter);
                Assert.Equal(expected, admitted);
                Assert.Equal(TimeSpan.FromTicks(modelRetryAfter), retryAfter);
                Assert.Equal(modelPermit.IsProbe, permit.IsProbe);
                if (admitted)
                {
                    outstanding.Add((permit, modelPermit));
                }
            }
            else if (kind >= 8)
            {
                TimeSpan step = s_steps[arg % s_steps.Length];
                time.Advance(step);
                now += step.Ticks;
            }
            else if (outstanding.Count > 0)
            {
                // Half the time the newest permit (often the probe), otherwise any outstanding one.
                int index = arg % 2 == 0 ? outstanding.Count - 1 : (arg / 2) % outstanding.Count;
                var (real, modelPermit) = outstanding[index];
                outstanding.RemoveAt(index);
                switch (kind)
                {
                    case 3:
                        breaker.RecordSuccess(real);
                        model.RecordSuccess(modelPermit);
                        break;
                    case 4 or 5 or 6:
                        breaker.RecordFailure(real);
                        model.RecordFailure(now, modelPermit);
                        break;
                    default:
                        breaker.RecordIgnored(real);
                        model.RecordIgnored(modelPermit);
                        break;
                }
            }

            Assert.Equal(model.State, breaker.State);
            Assert.Equal(model.ConsecutiveFailures, breaker.ConsecutiveFailures);
            Assert.Equal(model.Transitions, breaker.Transitions);
            Assert.Equal(TimeSpan.FromTicks(model.RetryAfter(now)), breaker.RetryAfter);
        }
    }

    /// <summary>A permit of the model: the closed period it belongs to, or the id of a probe.</summary>
    private readonly record struct ModelPermit(bool IsProbe, long Id);

    /// <summary>The specification, written plainly: one lock, explicit fields, no packing, no CAS.</summary>
    private sealed class ReferenceBreaker(int threshold, long breakTicks)
    {
        private readonly Lock _gate = new();
        private long _period = 1;
        private long _probeId;
        private long _lastProbeId;
        private bool _released;
        private long _blockedUntil;
        private long _highWater;
        private int _closedFailures;
        private int _openFailures;

        public CircuitState State { get; private set; } = CircuitState.Closed;

        public long Transitions { get; private set; }

        public int ConsecutiveFailures
        {
            get
            {
                lock (_gate)
                {
                    return State == CircuitState.Closed ? _closedFailures : _openFailures;
                }
            }
        }

        public long RetryAfter(long now)
        {
            lock (_gate)
            {
                if (State == CircuitState.Closed || _released)
                {
                    return 0;
                }

                return Math.Clamp(_blockedUntil - now, 0, breakTicks);
            }
        }

        public bool TryAcquire(long now, out ModelPermit permit, out long retryAfter)
        {
            lock (_gate)
            {
                retryAfter = 0;
                if (State == CircuitState.Closed)
                {
                    permit = new ModelPermit(false, _period);
                    return true;
                }

                if (!_released && _blockedUntil > now)
                {
                    permit = default;
                    retryAfter = Math.Min(_blockedUntil - now, breakTicks);
                    return false;
                }

                if (State == CircuitState.Open)
                {
                    Transitions++;
                }

                State = CircuitState.HalfOpen;
                _released = false;
                _blockedUntil = Math.Max(now + breakTicks, _highWater + 1);
                _highWater = _blockedUntil;
                _probeId = ++_lastProbeId;
                permit = new ModelPermit(true, _probeId);
                return true;
            }
        }

        public void RecordSuccess(ModelPermit permit)
        {
            lock (_gate)
            {
                if (permit.IsProbe)
                {
                    if (IsCurrentProbe(permit))
                    {
                        State = CircuitState.Closed;
                        _period++;
                        _closedFailures = 0;
                        _openFailures = 0;
                        Transitions++;
                    }
                }
                else if (State == CircuitState.Closed && permit.Id == _period)
                {
                    _closedFailures = 0;
                }
            }
        }

        public void RecordFailure(long now, ModelPermit permit)
        {
            lock (_gate)
            {
                if (permit.IsProbe && IsCurrentProbe(permit))
                {
                    Open(now);
                    _openFailures++;
                }
                else if (!permit.IsProbe && State == CircuitState.Closed && permit.Id == _period)
                {
                    if (++_closedFailures >= threshold)
                    {
                        Open(now);
                        _openFailures = _closedFailures;
                    }
                }
                else if (State != CircuitState.Closed)
                {
                    _openFailures++;
                }
            }
        }

        public void RecordIgnored(ModelPermit permit)
        {
            lock (_gate)
            {
                if (permit.IsProbe && IsCurrentProbe(permit))
                {
                    _released = true;
                }
            }
        }

        private bool IsCurrentProbe(ModelPermit permit) =>
            State == CircuitState.HalfOpen && !_released && permit.Id == _probeId;

        private void Open(long now)
        {
            State = CircuitState.Open;
            _blockedUntil = now + breakTicks;
            _probeId = 0;
            Transitions++;
        }
    }
}
