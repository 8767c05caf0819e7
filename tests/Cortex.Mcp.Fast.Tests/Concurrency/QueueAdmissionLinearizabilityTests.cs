using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Dispatch;
using CsCheck;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// <see cref="QueueAdmission"/>'s live-call count and its waiters, wired to real <see cref="PendingCall"/>s the way
/// the dispatcher wires them (Wait mode): calls arrive (admitted, or parked for room), workers take queued calls,
/// callers cancel, in parallel. The law that matters: the live count equals the calls in the queue and never
/// exceeds the capacity, and no caller waits while there is room (a slot is never leaked nor lost).
/// </summary>
/// <remarks>Compared as counts (how many calls are queued, waiting, running, done), not which call got a slot:
/// the documented accepted race lets a new arrival take a slot freed during a hand-over ahead of an older waiter.</remarks>
public sealed class QueueAdmissionLinearizabilityTests(ITestOutputHelper output)
{
    private const long Iterations = 300;
    private const int Calls = 3;

    [Fact]
    public void QueueAdmission_ArriveTakeCancel_Linearizable() =>
        Linearizability.Check(Initial(broken: false), Operations(), Equal, a => a.ToString(), m => m.ToString(), Iterations, output);

    [Fact]
    public void OverAdmittingVariant_EnterByCheckThenIncrement_IsCaught() =>
        Linearizability.AssertCaught(
            () => Linearizability.Check(Initial(broken: true), Operations(), Equal, a => a.ToString(), m => m.ToString(), Linearizability.CatchIterations, output),
            output);

    private static Gen<(Actual, Model)> Initial(bool broken) =>
        Gen.Int[1, 2].Select(capacity => (new Actual(capacity, broken), new Model(capacity)));

    private static GenOperation<Actual, Model>[] Operations() =>
    [
        Linearizability.Op<Actual, Model, int>(Gen.Int[0, Calls - 1], i => $"Arrive({i})", (a, i) => a.Arrive(i), (m, i) => m.Arrive(i)),
        Linearizability.Op<Actual, Model, int>(Gen.Int[0, Calls - 1], i => $"WorkerTake({i})", (a, i) => a.Take(i), (m, i) => m.Take(i)),
        Linearizability.Op<Actual, Model, int>(Gen.Int[0, Calls - 1], i => $"Cancel({i})", (a, i) => a.Cancel(i), (m, i) => m.Cancel(i)),
    ];

    private static bool Equal(Actual actual, Model model) => actual.Summary() == model.Summary();

    internal sealed class Actual : IPendingCallOwner, IRaceWindowHolder
    {
        private readonly bool _broken;
        private readonly PendingCall[] _calls = new PendingCall[Calls];
        private readonly short[] _versions = new short[Calls];
        private readonly CancellationTokenSource[] _callers = new CancellationTokenSource[Calls];
        private readonly int[] _arrived = new int[Calls];
        private int _faults;
        private int _releasing; // operations that may be handing a slot over right now (a take or a cancel)

        public Actual(int capacity, bool broken)
        {
            _broken = broken;
            Window = broken ? new RaceWindow() : null;
            Admission = new QueueAdmission(capacity, maxWaiters: Calls, item => item.Call.TryAdmit(item.Version));
            for (var i = 0; i < Calls; i++)
            {
                _callers[i] = new CancellationTokenSource();
                _calls[i] = new PendingCall { Owner = this };
                _calls[i].Initialize("t", new ToolStatistics("t"), "{}"u8, TimeSpan.FromMinutes(1), 0, true, TimeProvider.System, _callers[i].Token, CancellationToken.None);
                _versions[i] = _calls[i].Version;
            }
        }

        public QueueAdmission Admission { get; }

        /// <summary>The broken variant's race window (null for the real type).</summary>
        public RaceWindow? Window { get; }

        public string ServiceName => "svc";

        /// <summary>EnqueueAsync's Wait-mode path: admitted at once if there is room, else parked until a slot is handed over.</summary>
        public void Arrive(int i)
        {
            if (Interlocked.Exchange(ref _arrived[i], 1) != 0)
            {
                return;
            }

            var item = new QueuedCall(_calls[i], _versions[i]);
            if (_broken ? TryEnterByCheckThenIncrement() : Admission.TryEnter())
            {
                if (!item.Call.TryAdmit(item.Version))
                {
                    Admission.Leave(); // ended before it was queued
                }

                return;
            }

            Assert.True(Admission.TryWait(item)); // MaxWaiters is the number of calls: never refused here
        }

        /// <summary>A worker reads the call and starts it (leaving the queue gives its slot to a waiter).</summary>
        /// <remarks>
        /// A real worker reads calls from the channel, and a waiter handed a slot is written there only after the
        /// hand-over ends, so a worker never sees the moment between "the slot's holder left" and "the waiter was
        /// admitted" (cancelling or starting one call, then admitting another, is two steps). Take stands for that
        /// read: when its call has arrived but is not queued yet, it waits for hand-overs in flight to finish and
        /// looks once more — the race between starting and ending the same call stays fully exposed.
        /// </remarks>
        public void Take(int i)
        {
            Interlocked.Increment(ref _releasing);
            var started = _calls[i].TryStart(_versions[i]);
            Interlocked.Decrement(ref _releasing);
            if (started || Volatile.Read(ref _arrived[i]) == 0)
            {
                return;
            }

            var spin = new SpinWait();
            for (var turns = 0; Volatile.Read(ref _releasing) != 0 && turns < 100_000; turns++)
            {
                spin.SpinOnce();
            }

            _calls[i].TryStart(_versions[i]);
        }

        public void Cancel(int i)
        {
            Interlocked.Increment(ref _releasing);
            try
            {
                // A second concurrent Cancel of one source returns before the first has run its callbacks (that is
                // CancellationTokenSource's contract); the model's cancel is one step, so one canceller at a time.
                lock (_callers[i])
                {
                    _callers[i].Cancel();
                }
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _faults);
            }
            finally
            {
                Interlocked.Decrement(ref _releasing);
            }
        }

        // The dispatcher's wiring (ServiceDispatcher.OnTransition): leaving Queued frees a slot; a waiter that ends
        // while parked stops waiting.
        public void OnTransition(PendingCall call, int from, int to)
        {
            if (from == PendingCall.Queued)
            {
                Admission.Leave();
            }

            if (to == PendingCall.Completed && from == PendingCall.Admitting)
            {
                Admission.Abandon(call);
            }
        }

        public void OnCompleting(PendingCall call, Exception? error)
        {
        }

        public void ReturnToPool(PendingCall call)
        {
        }

        public string Summary()
        {
            int waiting = 0, queued = 0, running = 0, completed = 0, idle = 0;
            for (var i = 0; i < Calls; i++)
            {
                var call = _calls[i];
                var version = _versions[i];
                if (call.IsIn(version, PendingCall.Queued))
                {
                    queued++;
                }
                else if (call.IsIn(version, PendingCall.Running))
                {
                    running++;
                }
                else if (call.IsIn(version, PendingCall.Completed))
                {
                    completed++;
                }
                else if (Volatile.Read(ref _arrived[i]) != 0)
                {
                    waiting++;
                }
                else
                {
                    idle++;
                }
            }

            return $"live={Admission.Live} waiters={Admission.Waiting} idle={idle} waiting={waiting} queued={queued} running={running} completed={completed} faults={Volatile.Read(ref _faults)}";
        }

        public override string ToString() => Summary();

        /// <summary>
        /// Broken on purpose: checks for room by a read and takes the slot by a later increment, where
        /// <see cref="QueueAdmission.TryEnter"/> has one CAS: two arrivals can both take the last slot.
        /// </summary>
        private bool TryEnterByCheckThenIncrement()
        {
            ref var live = ref QueueAdmissionAccess.Live(Admission);
            if (Volatile.Read(ref live) >= Admission.Capacity)
            {
                return false;
            }

            Window!.Widen();
            Interlocked.Increment(ref live);
            return true;
        }
    }

    /// <summary>The sequential specification: a counted queue of fixed capacity with a FIFO of waiters.</summary>
    internal sealed class Model(int capacity)
    {
        private readonly Status[] _status = new Status[Calls];
        private readonly List<int> _waiters = [];
        private int _live;

        private enum Status
        {
            Idle,
            Waiting,
            Queued,
            Running,
            Completed,
        }

        public void Arrive(int i)
        {
            if (_status[i] != Status.Idle)
            {
                return; // arrived already, or cancelled before it arrived
            }

            if (_live < capacity)
            {
                _live++;
                _status[i] = Status.Queued;
            }
            else
            {
                _status[i] = Status.Waiting;
                _waiters.Add(i);
            }
        }

        public void Take(int i)
        {
            if (_status[i] == Status.Queued)
            {
                _status[i] = Status.Running;
                Leave();
            }
        }

        public void Cancel(int i)
        {
            switch (_status[i])
            {
                case Status.Idle:
                    _status[i] = Status.Completed;
                    break;
                case Status.Waiting:
                    _status[i] = Status.Completed;
                    _waiters.Remove(i);
                    break;
                case Status.Queued:
                    _status[i] = Status.Completed;
                    Leave();
                    break;
            }

            // Running: the worker finishes it; Completed: nothing left to do.
        }

        public string Summary() =>
            $"live={_live} waiters={_waiters.Count} idle={Count(Status.Idle)} waiting={Count(Status.Waiting)} queued={Count(Status.Queued)} " +
            $"running={Count(Status.Running)} completed={Count(Status.Completed)} faults=0";

        public override string ToString() => Summary();

        private int Count(Status status) => _status.Count(s => s == status);

        private void Leave()
        {
            _live--;
            while (_live < capacity && _waiters.Count > 0)
            {
                _status[_waiters[0]] = Status.Queued;
                _waiters.RemoveAt(0);
                _live++;
            }
        }
    }
}
