using Cortex.Mcp.Fast.Diagnostics;
using Cortex.Mcp.Fast.Dispatch;
using Cortex.Mcp.Fast.Tests.Dispatch;
using CsCheck;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// <see cref="PendingCall"/>'s state word against a sequential model of its status machine. The parties race as
/// they do in the dispatcher: the queue admitting it, a worker starting, finishing or backing off, the retry timer
/// requeueing it, and the three cancellation sources (caller, client disposal, deadline on a fake clock), all
/// funnelled through one callback. The law that matters: the call completes exactly once, leaves the queue exactly
/// once per stay, and a cancellation completes it unless a worker is running it.
/// </summary>
/// <remarks>Start states: Admitting, Queued, Running and Backoff. Suspended is left out: it shares Backoff's CAS
/// paths (timer requeue vs cancellation) and needs an endpoint and a resumption to enter. The three cancellation
/// sources do not race each other here (see <see cref="Actual.Cancel"/>), so which one a simultaneous pair is
/// attributed to is not checked; each of them races every other party.</remarks>
public sealed class PendingCallLinearizabilityTests(ITestOutputHelper output)
{
    private const long Iterations = 300;
    /// <summary>The start states are generated; a long sequential prefix would mostly walk away from them.</summary>
    private const int MaxSequential = 1;
    private static readonly TimeSpan s_deadline = TimeSpan.FromSeconds(10);

    [Fact]
    public void PendingCall_WorkerTimerAndCancellations_Linearizable() =>
        Linearizability.Check(Initial(brokenRequeue: false), Operations(), Equal, a => a.ToString(), m => m.ToString(), Iterations, output, MaxSequential);

    [Fact]
    public void CompletedTwiceVariant_RequeueByCheckThenWrite_IsCaught() =>
        Linearizability.AssertCaught(
            () => Linearizability.Check(Initial(brokenRequeue: true), Operations(), Equal, a => a.ToString(), m => m.ToString(), Linearizability.CatchIterations, output, MaxSequential),
            output);

    /// <summary>Start in Admitting, Queued, Running, or (half the time) Backoff, where the timer and the
    /// cancellation callback race for the same status.</summary>
    private static Gen<(Actual, Model)> Initial(bool brokenRequeue) =>
        Gen.Int[0, 5].Select(pick => Math.Min(pick, 3)).Select(start =>
        {
            var actual = new Actual(brokenRequeue);
            var model = new Model();
            var steps = new Action<Actual>[] { a => a.Admit(), a => a.Start(), a => a.EnterBackoff() };
            var modelSteps = new Action<Model>[] { m => m.Admit(), m => m.Start(), m => m.EnterBackoff() };
            for (var i = 0; i < start; i++)
            {
                steps[i](actual);
                modelSteps[i](model);
            }

            return (actual, model);
        });

    private static GenOperation<Actual, Model>[] Operations() =>
    [
        Linearizability.Op<Actual, Model>("Admit", a => a.Admit(), m => m.Admit()),
        Linearizability.Op<Actual, Model>("WorkerStart", a => a.Start(), m => m.Start()),
        Linearizability.Op<Actual, Model, bool>(
            Gen.Bool,
            ok => ok ? "WorkerSucceed" : "WorkerFail",
            (a, ok) => a.Finish(ok),
            (m, ok) => m.Finish(ok ? Outcome.Result : Outcome.WorkerError)),
        Linearizability.Op<Actual, Model>("WorkerBackoff", a => a.EnterBackoff(), m => m.EnterBackoff()),
        Linearizability.Op<Actual, Model>("TimerRequeue", a => a.Requeue(), m => m.Requeue()),
        Linearizability.Op<Actual, Model>("CallerCancel", a => a.Cancel(() => a.Caller.Cancel()), m => m.Cancel(Outcome.Caller)),
        Linearizability.Op<Actual, Model>("ClientDispose", a => a.Cancel(() => a.Disposal.Cancel()), m => m.Cancel(Outcome.Disposed)),
        Linearizability.Op<Actual, Model>("Deadline", a => a.Cancel(() => a.Time.Advance(s_deadline)), m => m.Cancel(Outcome.Deadline)),
    ];

    private static bool Equal(Actual actual, Model model) =>
        actual.Status() == model.Status
        && actual.Owner.Completions == model.Completions
        && actual.Owner.LeftQueue == model.LeftQueue
        && actual.Owner.Outcome == model.Outcome
        && actual.Call.CanceledByCaller == (model.Reason == Outcome.Caller)
        && actual.Call.CanceledByDisposal == (model.Reason == Outcome.Disposed)
        && actual.Faults == 0;

    internal enum Outcome
    {
        None,
        Result,
        WorkerError,
        Caller,
        Disposed,
        Deadline,
    }

    internal sealed class Actual : IRaceWindowHolder
    {
        private readonly bool _brokenRequeue;
        private readonly short _version;
        private readonly Lock _cancellationGate = new();
        private int _faults;

        public Actual(bool brokenRequeue)
        {
            _brokenRequeue = brokenRequeue;
            Window = brokenRequeue ? new RaceWindow() : null;
            Call = new PendingCall { Owner = Owner };
            Call.Initialize("t", new ToolStatistics("t"), "{}"u8, s_deadline, 3, true, Time, Caller.Token, Disposal.Token);
            _version = Call.Version;
        }

        public PendingCall Call { get; }

        /// <summary>The broken variant's race window (null for the real type).</summary>
        public RaceWindow? Window { get; }

        public CountingOwner Owner { get; } = new();

        public FakeTimeProvider Time { get; } = new();

        public CancellationTokenSource Caller { get; } = new();

        public CancellationTokenSource Disposal { get; } = new();

        /// <summary>Exceptions thrown by an operation (a second completion throws from the source).</summary>
        public int Faults => Volatile.Read(ref _faults);

        public void Admit() => Call.TryAdmit(_version);

        public void Start() => Call.TryStart(_version);

        public void Finish(bool ok) => Guard(() => _ = ok ? Call.TrySetResult(ScriptedTransport.Ok()) : Call.TrySetException(new WorkerException()));

        public void EnterBackoff() => Call.TryEnterBackoff();

        public void Requeue() => Guard(() => _ = _brokenRequeue ? RequeueByCheckThenWrite() : Call.TryRequeue(_version));

        /// <summary>
        /// Fires one cancellation source. The sources are serialised among themselves: a
        /// <see cref="CancellationTokenSource.Cancel()"/> on a source another thread is already cancelling returns
        /// before that thread has run the callbacks, so an overlapping firing is not one atomic step (in production
        /// each source fires once). Every firing still races the worker, the timer and the admission.
        /// </summary>
        public void Cancel(Action fire)
        {
            lock (_cancellationGate)
            {
                Guard(fire);
            }
        }

        public void Guard(Action action)
        {
            try
            {
                action();
            }
            catch (Exception)
            {
                Interlocked.Increment(ref _faults);
            }
        }

        public int Status()
        {
            foreach (var status in new[] { PendingCall.Admitting, PendingCall.Queued, PendingCall.Running, PendingCall.Backoff, PendingCall.Completed })
            {
                if (Call.IsIn(_version, status))
                {
                    return status;
                }
            }

            return -1;
        }

        public override string ToString() =>
            $"status={Status()} completions={Owner.Completions} leftQueue={Owner.LeftQueue} outcome={Owner.Outcome} " +
            $"byCaller={Call.CanceledByCaller} byDisposal={Call.CanceledByDisposal} faults={Faults}";

        /// <summary>
        /// Broken on purpose: the retry timer checks "still in Backoff" and then writes Queued, where the real one
        /// has one CAS. A cancellation that completes the call in between is overwritten: the completed call is
        /// queued again, and a worker runs and completes it a second time.
        /// </summary>
        private bool RequeueByCheckThenWrite()
        {
            ref var state = ref PendingCallAccess.State(Call);
            if (Volatile.Read(ref state) != Pack(_version, PendingCall.Backoff))
            {
                return false;
            }

            Window!.Widen();
            Volatile.Write(ref state, Pack(_version, PendingCall.Queued));
            Owner.OnTransition(Call, PendingCall.Backoff, PendingCall.Queued);
            return true;
        }

        private static long Pack(short version, int status) => ((long)(ushort)version << 32) | (uint)status;
    }

    /// <summary>What the dispatcher would hear: completions (with their kind) and departures from the queue.</summary>
    internal sealed class CountingOwner : IPendingCallOwner
    {
        private int _completions;
        private int _leftQueue;
        private int _outcome;

        public string ServiceName => "svc";

        public int Completions => Volatile.Read(ref _completions);

        public int LeftQueue => Volatile.Read(ref _leftQueue);

        /// <summary>The first completion's kind.</summary>
        public Outcome Outcome => (Outcome)Volatile.Read(ref _outcome);

        public void OnTransition(PendingCall call, int from, int to)
        {
            if (from == PendingCall.Queued)
            {
                Interlocked.Increment(ref _leftQueue);
            }
        }

        public void OnCompleting(PendingCall call, Exception? error)
        {
            Interlocked.Increment(ref _completions);
            var outcome = error switch
            {
                null => Outcome.Result,
                WorkerException => Outcome.WorkerError,
                OperationCanceledException => Outcome.Caller,
                ClientDisposedException => Outcome.Disposed,
                CallTimeoutException => Outcome.Deadline,
                _ => (Outcome)100,
            };
            Interlocked.CompareExchange(ref _outcome, (int)outcome, (int)Outcome.None);
        }

        public void ReturnToPool(PendingCall call)
        {
        }
    }

    /// <summary>The sequential specification of the status machine (PendingCall's remarks).</summary>
    internal sealed class Model
    {
        private bool _tokenCanceled;

        public int Status { get; private set; } = PendingCall.Admitting;

        public int Completions { get; private set; }

        public int LeftQueue { get; private set; }

        public Outcome Outcome { get; private set; }

        /// <summary>Who cancelled first (caller or disposal; a deadline records no reason).</summary>
        public Outcome Reason { get; private set; }

        public void Admit() => Move(PendingCall.Admitting, PendingCall.Queued);

        public void Start() => Move(PendingCall.Queued, PendingCall.Running);

        public void EnterBackoff() => Move(PendingCall.Running, PendingCall.Backoff);

        public void Requeue() => Move(PendingCall.Backoff, PendingCall.Queued);

        public void Finish(Outcome outcome)
        {
            if (Move(PendingCall.Running, PendingCall.Completed))
            {
                Complete(outcome);
            }
        }

        public void Cancel(Outcome source)
        {
            if (source != Outcome.Deadline && Reason == Outcome.None)
            {
                Reason = source;
            }

            if (_tokenCanceled)
            {
                return; // the token fires its callback once
            }

            _tokenCanceled = true;
            if (Status is PendingCall.Admitting or PendingCall.Queued or PendingCall.Backoff && Move(Status, PendingCall.Completed))
            {
                Complete(Reason == Outcome.None ? Outcome.Deadline : Reason);
            }
        }

        public override string ToString() =>
            $"status={Status} completions={Completions} leftQueue={LeftQueue} outcome={Outcome} reason={Reason} tokenCanceled={_tokenCanceled}";

        private bool Move(int from, int to)
        {
            if (Status != from)
            {
                return false;
            }

            Status = to;
            if (from == PendingCall.Queued)
            {
                LeftQueue++;
            }

            return true;
        }

        private void Complete(Outcome outcome)
        {
            Completions++;
            if (Outcome == Outcome.None)
            {
                Outcome = outcome;
            }
        }
    }

    private sealed class WorkerException() : Exception("the attempt failed");
}
