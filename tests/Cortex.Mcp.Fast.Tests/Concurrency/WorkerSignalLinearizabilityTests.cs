using Cortex.Mcp.Fast.Dispatch;
using CsCheck;
using Xunit.Abstractions;

namespace Cortex.Mcp.Fast.Tests.Concurrency;

/// <summary>
/// <see cref="WorkerSignal"/> against a counting-semaphore model: writers release, workers wait (each with its own
/// waiter), disposal closes. The model's law that matters: a worker never stays parked while a permit is left
/// (no lost wake-up), and every release wakes at most one worker.
/// </summary>
public sealed class WorkerSignalLinearizabilityTests(ITestOutputHelper output)
{
    private const long Iterations = 300;

    [Fact]
    public void WorkerSignal_ReleaseWaitClose_Linearizable() =>
        Linearizability.Check(
            Gen.Const(0).Select(_ => (new Actual(new RealSignal()), new Model())),
            Operations(),
            Equal,
            a => a.ToString(),
            m => m.ToString(),
            Iterations,
            output);

    [Fact]
    public void LostWakeUpVariant_ReleaseChecksParkedOutsideTheLock_IsCaught() =>
        Linearizability.AssertCaught(
            () => Linearizability.Check(
                Gen.Const(0).Select(_ => (new Actual(new LostWakeUpSignal()), new Model())),
                Operations(),
                Equal,
                a => a.ToString(),
                m => m.ToString(),
                Linearizability.CatchIterations,
                output),
            output);

    private static GenOperation<Actual, Model>[] Operations() =>
    [
        Linearizability.Op<Actual, Model>("Release", a => a.Signal.Release(), m => m.Release()),
        Linearizability.Op<Actual, Model>("Wait", a => a.Wait(), m => m.Wait()),
        Linearizability.Op<Actual, Model>("Close", a => a.Signal.Close(), m => m.Close()),
    ];

    private static bool Equal(Actual actual, Model model)
    {
        var (woken, closed, parked) = actual.Outcomes();
        return woken == model.Woken && closed == model.ClosedWaits && parked == model.Parked && actual.Signal.Permits == model.Permits;
    }

    /// <summary>The signal under test, real or broken.</summary>
    internal interface ISignal
    {
        int Permits { get; }

        void Release();

        ValueTask<bool> WaitAsync(WorkerSignal.Waiter waiter);

        void Close();
    }

    internal sealed class Actual(ISignal signal) : IRaceWindowHolder
    {
        private readonly List<ValueTask<bool>> _waits = [];
        private readonly Lock _gate = new();

        public ISignal Signal { get; } = signal;

        /// <summary>The broken variant's race window (null for the real type).</summary>
        public RaceWindow? Window { get; } = (signal as LostWakeUpSignal)?.Window;

        /// <summary>One worker's wait, with its own waiter (workers never share one).</summary>
        public void Wait()
        {
            var wait = Signal.WaitAsync(new WorkerSignal.Waiter());
            lock (_gate)
            {
                _waits.Add(wait);
            }
        }

        /// <summary>(woken with true, completed with false, still parked); read after the parallel operations ended.</summary>
        public (int Woken, int Closed, int Parked) Outcomes()
        {
            int woken = 0, closed = 0, parked = 0;
            lock (_gate)
            {
                foreach (var wait in _waits)
                {
                    if (!wait.IsCompleted)
                    {
                        parked++;
                    }
                    else if (wait.Result)
                    {
                        woken++;
                    }
                    else
                    {
                        closed++;
                    }
                }
            }

            return (woken, closed, parked);
        }

        public override string ToString()
        {
            var (woken, closed, parked) = Outcomes();
            return $"permits={Signal.Permits} woken={woken} closedWaits={closed} parked={parked}";
        }
    }

    /// <summary>The sequential specification.</summary>
    internal sealed class Model
    {
        public int Permits { get; private set; }

        public int Parked { get; private set; }

        public int Woken { get; private set; }

        public int ClosedWaits { get; private set; }

        public bool IsClosed { get; private set; }

        public void Release()
        {
            if (IsClosed)
            {
                return;
            }

            if (Parked > 0)
            {
                Parked--;
                Woken++;
            }
            else
            {
                Permits++;
            }
        }

        public void Wait()
        {
            if (Permits > 0)
            {
                Permits--;
                Woken++;
            }
            else if (IsClosed)
            {
                ClosedWaits++;
            }
            else
            {
                Parked++;
            }
        }

        public void Close()
        {
            IsClosed = true;
            ClosedWaits += Parked;
            Parked = 0;
        }

        public override string ToString() => $"permits={Permits} woken={Woken} closedWaits={ClosedWaits} parked={Parked}";
    }

    private sealed class RealSignal : ISignal
    {
        private readonly WorkerSignal _signal = new();

        public int Permits => WorkerSignalAccess.Permits(_signal);

        public void Release() => _signal.Release();

        public ValueTask<bool> WaitAsync(WorkerSignal.Waiter waiter) => _signal.WaitAsync(waiter);

        public void Close() => _signal.Close();
    }

    /// <summary>
    /// Broken on purpose: <see cref="Release"/> looks for a parked worker outside the lock and, finding none, leaves
    /// a permit — a worker that parks in between is never woken although a permit waits (a lost wake-up).
    /// Otherwise the same algorithm as <see cref="WorkerSignal"/>.
    /// </summary>
    private sealed class LostWakeUpSignal : ISignal
    {
        private readonly Lock _gate = new();
        private readonly Stack<WorkerSignal.Waiter> _parked = new();
        private int _permits;
        private bool _closed;

        public RaceWindow Window { get; } = new();

        public int Permits => Volatile.Read(ref _permits);

        public void Release()
        {
            bool anyParked;
            lock (_gate)
            {
                anyParked = _parked.Count > 0;
            }

            if (!anyParked)
            {
                Window.Widen();
                lock (_gate)
                {
                    if (!_closed)
                    {
                        _permits++;
                    }
                }

                return;
            }

            WorkerSignal.Waiter? wake;
            lock (_gate)
            {
                if (_closed || !_parked.TryPop(out wake))
                {
                    return;
                }
            }

            wake.Complete(true);
        }

        public ValueTask<bool> WaitAsync(WorkerSignal.Waiter waiter)
        {
            lock (_gate)
            {
                if (_permits > 0)
                {
                    _permits--;
                    return new ValueTask<bool>(true);
                }

                if (_closed)
                {
                    return new ValueTask<bool>(false);
                }

                waiter.Reset();
                _parked.Push(waiter);
                return waiter.Task;
            }
        }

        public void Close()
        {
            WorkerSignal.Waiter[] parked;
            lock (_gate)
            {
                _closed = true;
                parked = [.. _parked];
                _parked.Clear();
            }

            foreach (var waiter in parked)
            {
                waiter.Complete(false);
            }
        }
    }
}
