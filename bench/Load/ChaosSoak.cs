using System.Diagnostics;
using System.Globalization;
using Cortex.Mcp.Fast.Testing;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>
/// A chaos soak: open-loop load through a <see cref="NetworkMcpClient"/> (MCP Streamable HTTP, stateful sessions,
/// retries under the default retry budget) against the in-process test service while <see cref="ChaosFaults"/>
/// injects resets, stalls, 503/429 with <c>Retry-After</c>, session loss, slow replies, cut streams and endpoint swaps
/// to a second instance and back; then checks its invariants by counting on both sides (<see cref="ChaosSoakResult"/>),
/// the service side summed over both instances.
/// </summary>
/// <remarks>
/// Every call carries its id as <c>"execId"</c>: the client side counts the completions of each id, the service
/// counts the executions of each id (<see cref="TestExecutionLedger"/>) and the attempts that reached it. The
/// thread and socket baselines are taken at the end of a fault-free warm-up at the same rate (the pools have grown
/// to that load); RSS is sampled through the chaos window. The service shares the process, so RSS and thread counts
/// include it.
/// </remarks>
public sealed class ChaosSoak
{
    private const string ServiceName = "chaos";
    private static readonly TimeSpan RssSampleInterval = TimeSpan.FromMilliseconds(250);

    private readonly ChaosSoakSettings _settings;
    private int[] _completions = [];
    private long _issued = -1;
    private long _succeeded;
    private long _typedErrors;
    private long _harnessCancelled;
    private long _untypedErrors;
    private long _overflow;
    private string? _firstUntyped;

    public ChaosSoak(ChaosSoakSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _settings = settings;
    }

    /// <summary>Progress lines (phase changes, settle), or null for none.</summary>
    public Action<string>? Log { get; init; }

    /// <summary>Runs the soak and evaluates its invariants.</summary>
    public async Task<ChaosSoakResult> RunAsync(CancellationToken cancellationToken)
    {
        var s = _settings;
        _completions = new int[(int)Math.Ceiling(s.Rate * (s.Warmup + s.Duration).TotalSeconds) + 1024];

        // Earlier garbage must not be blamed on this run: flush pending finalizers before counting.
        FlushFinalizers();
        long unobserved = 0;
        EventHandler<UnobservedTaskExceptionEventArgs> onUnobserved = (_, _) => Interlocked.Increment(ref unobserved);
        TaskScheduler.UnobservedTaskException += onUnobserved;
        try
        {
            await using var service = await TestMcpService.StartAsync(new TestMcpServiceOptions
            {
                RandomSeed = s.Seed,
                McpMode = TestMcpMode.StatefulSse,
            }, cancellationToken).ConfigureAwait(false);

            // The endpoint-swap fault's second instance; every server-side count below is summed over both.
            await using var secondary = await TestMcpService.StartAsync(new TestMcpServiceOptions
            {
                RandomSeed = s.Seed + 1,
                McpMode = TestMcpMode.StatefulSse,
            }, cancellationToken).ConfigureAwait(false);
            TestMcpService[] instances = [service, secondary];
            var discovery = new InMemoryServiceDiscovery();
            await discovery.RegisterAsync(ServiceName, service.McpAddress, cancellationToken).ConfigureAwait(false);
            var client = await ConnectAsync(discovery, cancellationToken).ConfigureAwait(false);
            var chaos = new ChaosFaults(service, s.Faults, s.Seed, new EndpointSwap(discovery, ServiceName, service.McpAddress, secondary));
            var startUtc = TimeProvider.System.GetUtcNow();
            var started = Stopwatch.GetTimestamp();
            int baselineThreads = 0, baselineSockets = 0;
            var rss = new List<long>();
            using var chaosStop = new CancellationTokenSource();
            Task chaosRun = Task.CompletedTask, sampler = Task.CompletedTask;
            LoadResult load;
            try
            {
                var runner = new LoadRunner(ct => CallAsync(client, ct), new LoadRunOptions
                {
                    Rate = s.Rate,
                    Duration = s.Duration,
                    Warmup = s.Warmup,
                    DrainTimeout = s.Timeout * 3,
                })
                {
                    MeasurementStarting = () =>
                    {
                        baselineThreads = ThreadCount();
                        baselineSockets = OpenConnections(client);
                        Log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"chaos: warm-up done ({baselineThreads} threads, {baselineSockets} connections); faults on for {s.Duration.TotalSeconds:0} s"));
                        chaosRun = chaos.RunAsync(chaosStop.Token);
                        sampler = SampleRssAsync(rss, chaosStop.Token);
                    },
                    ClassifyError = LoadErrorKey.Classify,
                };
                load = await runner.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await chaosStop.CancelAsync().ConfigureAwait(false);
                await chaosRun.ConfigureAwait(false);
                await sampler.ConfigureAwait(false);
            }

            Log?.Invoke("chaos: window over; waiting for threads and connections to settle");
            var settle = Stopwatch.StartNew();
            int threads, sockets, serverSockets;
            while (true)
            {
                threads = ThreadCount();
                sockets = OpenConnections(client);

                // The service side too: after an endpoint swap the drained endpoint's connections close as their last
                // calls finish, a moment after the client's own count (which covers the current endpoint) settled.
                serverSockets = instances.Sum(i => i.Counters.OpenConnections);
                if ((threads <= baselineThreads + s.ThreadSlack && sockets <= baselineSockets + s.SocketSlack
                        && serverSockets <= sockets + s.SocketSlack)
                    || settle.Elapsed >= s.SettleTimeout)
                {
                    break;
                }

                // A bench polling a process-wide count: there is no event to wait on for thread retirement.
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken).ConfigureAwait(false);
            }

            var diagnostics = client.GetDiagnostics().Services[ServiceName];
            await client.DisposeAsync().ConfigureAwait(false);
            FlushFinalizers();

            var issued = Interlocked.Read(ref _issued) + 1;
            var tracked = (int)Math.Min(issued, _completions.Length);
            long neverCompleted = 0, completedTwice = 0, nonIdempotent = 0, nonIdempotentTwice = 0, executedTwice = 0;
            var primaryLedger = service.Counters.Executions;
            var secondaryLedger = secondary.Counters.Executions;
            for (var id = 0; id < tracked; id++)
            {
                var done = Volatile.Read(ref _completions[id]);
                neverCompleted += done == 0 ? 1 : 0;
                completedTwice += done > 1 ? 1 : 0;

                // A call that ran once on each instance ran twice.
                var executions = primaryLedger.ExecutionsOf(id) + secondaryLedger.ExecutionsOf(id);
                executedTwice += executions > 1 ? 1 : 0;
                if (id % s.NonIdempotentEvery == 0)
                {
                    nonIdempotent++;
                    nonIdempotentTwice += executions > 1 ? 1 : 0;
                }
            }

            var budget = new McpServiceOptions().RetryBudget;
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            return new ChaosSoakResult
            {
                Settings = s,
                StartUtc = startUtc,
                Load = load,
                Issued = issued,
                Untracked = Interlocked.Read(ref _overflow),
                Succeeded = Interlocked.Read(ref _succeeded),
                TypedErrors = Interlocked.Read(ref _typedErrors),
                HarnessCancelled = Interlocked.Read(ref _harnessCancelled),
                UntypedErrors = Interlocked.Read(ref _untypedErrors),
                FirstUntypedError = _firstUntyped,
                NeverCompleted = neverCompleted,
                CompletedTwice = completedTwice,
                NonIdempotentCalls = nonIdempotent,
                NonIdempotentExecutedTwice = nonIdempotentTwice,
                ExecutedTwice = executedTwice,
                Executions = primaryLedger.Executions + secondaryLedger.Executions,
                SecondaryExecutions = secondaryLedger.Executions,
                EndpointSwaps = chaos.EndpointSwapsMade,
                ServerAttempts = instances.Sum(i => i.Counters.ToolRequests("echo")) + chaos.ResetsInjected,
                ResetsInjected = chaos.ResetsInjected,
                ClientRetries = diagnostics.Retries,
                RetryRatio = budget.RetryRatio,
                RetryReserve = budget.MinRetriesPerSecond * Math.Max(budget.TimeToLive.TotalSeconds, seconds),
                SessionInitializations = instances.Sum(i => i.Mcp.Initializations),
                StreamResumptions = instances.Sum(i => i.Mcp.Resumptions),
                Episodes = chaos.Episodes.ToDictionary(e => e.Key.ToString(), e => e.Value, StringComparer.Ordinal),
                RssSamples = rss,
                BaselineThreads = baselineThreads,
                FinalThreads = threads,
                BaselineSockets = baselineSockets,
                FinalSockets = sockets,
                ServerSockets = serverSockets,
                SettleSeconds = settle.Elapsed.TotalSeconds,
                UnobservedTaskExceptions = Interlocked.Read(ref unobserved),
            };
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= onUnobserved;
        }
    }

    private ValueTask CallAsync(NetworkMcpClient client, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _issued);
        var arguments = System.Text.Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $$"""{"text":"chaos","execId":{{id}}}"""));
        var options = id % _settings.NonIdempotentEvery == 0 ? ToolCallOptions.NonIdempotent : null;
        return CompleteAsync(client.CallToolAsync(ServiceName, "echo", arguments, options, cancellationToken), id, cancellationToken);
    }

    private async ValueTask CompleteAsync(ValueTask<ToolResult> pending, long id, CancellationToken cancellationToken)
    {
        try
        {
            using var result = await pending.ConfigureAwait(false);
            Interlocked.Increment(ref _succeeded);
        }
        catch (ServiceCallException)
        {
            Interlocked.Increment(ref _typedErrors);
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Interlocked.Increment(ref _harnessCancelled);
            throw;
        }
        catch (Exception ex)
        {
            Interlocked.Increment(ref _untypedErrors);
            Interlocked.CompareExchange(ref _firstUntyped, ex.GetType().FullName + ": " + ex.Message, null);
            throw;
        }
        finally
        {
            if (id < _completions.Length)
            {
                Interlocked.Increment(ref _completions[id]);
            }
            else
            {
                Interlocked.Increment(ref _overflow);
            }
        }
    }

    private async Task<NetworkMcpClient> ConnectAsync(InMemoryServiceDiscovery discovery, CancellationToken cancellationToken)
    {
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        var service = options.DefaultServiceOptions;
        service.Protocol = McpProtocol.StreamableHttp;
        service.Queue.WorkerCount = _settings.Workers;
        service.CallTimeout = _settings.Timeout;
        service.Retry = new RetryOptions { MaxRetries = _settings.Retries };

        // The breaker would turn fault episodes into instant rejections: the soak is about retries and recovery.
        service.CircuitBreaker = CircuitBreakerOptions.Disabled;
        var client = new NetworkMcpClient(options);
        try
        {
            await client.ConnectAsync(ServiceName, cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task SampleRssAsync(List<long> samples, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(RssSampleInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                samples.Add(Environment.WorkingSet);
            }
        }
        catch (OperationCanceledException)
        {
            // The window ended.
        }
    }

    private static int OpenConnections(NetworkMcpClient client)
        => client.GetDiagnostics().Services.TryGetValue(ServiceName, out var d) ? d.OpenConnections : 0;

    private static int ThreadCount()
    {
        using var process = Process.GetCurrentProcess();
        return process.Threads.Count;
    }

    private static void FlushFinalizers()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
