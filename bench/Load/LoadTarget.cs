using System.Globalization;
using System.Security.Cryptography.X509Certificates;
using Cortex.Mcp.Fast.Bench.Infrastructure;
using Cortex.Mcp.Fast.Resilience;
using Cortex.Mcp.Fast.Testing;
using Cortex.Mcp.Fast.Transports;

namespace Cortex.Mcp.Fast.Bench.Load;

/// <summary>Where and how calls go (the engine-independent half of the command line).</summary>
public sealed class LoadTargetSettings
{
    /// <summary>The service's endpoint, or null for the embedded test service.</summary>
    public Uri? Target { get; init; }

    /// <summary>The protocol spoken to it.</summary>
    public McpProtocol Protocol { get; init; } = McpProtocol.Rest;

    /// <summary>The tool called.</summary>
    public string Tool { get; init; } = "echo";

    /// <summary>The arguments object, UTF-8 JSON.</summary>
    public ReadOnlyMemory<byte> ArgumentsUtf8 { get; init; }

    /// <summary>Bearer token sent with every call, or null.</summary>
    public string? Token { get; init; }

    /// <summary>Headers sent with every call (<c>--header</c>, other than the bearer token); empty for none.</summary>
    public RequestHeaders Headers { get; init; } = new();

    /// <summary>Values that must never reach an output file: the bearer token and every header value.</summary>
    public IReadOnlyList<string> Secrets =>
        [.. (Token is { Length: > 0 } token ? [token] : Array.Empty<string>()), .. Headers.Select(h => h.Value).Where(v => v.Length >= 4)];

    /// <summary>Embedded only: run the service in this process instead of a child process.</summary>
    public bool InProcess { get; init; }

    /// <summary>Embedded only: the fault profile.</summary>
    public FaultProfile Fault { get; init; } = new(0, 0, 503, 0, 0);

    /// <summary>Embedded only: seed of the service's fault randomness.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Worker loops of the client (its limit on calls in flight).</summary>
    public int Workers { get; init; } = 64;

    /// <summary>Capacity of the client's call queue.</summary>
    public int QueueCapacity { get; init; } = 10_000;

    /// <summary>Per-call deadline.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Client retries per call (0: every failure counts).</summary>
    public int Retries { get; init; }

    /// <summary>A weighted mix of tools (each with its arguments) called instead of <see cref="Tool"/>; empty for
    /// none.</summary>
    public IReadOnlyList<LoadToolWeight> Mix { get; init; } = [];

    /// <summary>Root certificates trusted instead of the system store (<c>--ca-file</c>), or null.</summary>
    public X509Certificate2Collection? TrustedRoots { get; init; }

    /// <summary>Accept any server certificate (<c>--insecure</c>): for test rigs only.</summary>
    public bool Insecure { get; init; }

    /// <summary>What the client's queue does when full or overloaded.</summary>
    public QueueFullMode QueueMode { get; init; } = new McpServiceOptions().Queue.FullMode;
}

/// <summary>One tool of a weighted mix: called <paramref name="Weight"/> times in every sum-of-weights calls.</summary>
/// <param name="Tool">The tool name.</param>
/// <param name="Weight">Its weight, at least 1.</param>
/// <param name="ArgumentsUtf8">Its arguments object, UTF-8 JSON.</param>
public sealed record LoadToolWeight(string Tool, int Weight, ReadOnlyMemory<byte> ArgumentsUtf8);

/// <summary>
/// A ready target: a <see cref="NetworkMcpClient"/> connected to the service (started first when embedded), and the
/// call delegate the runner drives. The circuit breaker is off (a load test measures the service, and an open
/// breaker would turn its errors into instant rejections); retries are off unless asked for.
/// </summary>
public sealed class LoadTarget : IAsyncDisposable
{
    private const string ServiceName = "load";

    private readonly NetworkMcpClient _client;
    private readonly ServiceProcess? _process;
    private readonly TestMcpService? _service;
    private readonly LoadTargetSettings _settings;

    /// <summary>The tools in calling order, one cycle of the mix (one entry without a mix).</summary>
    private readonly LoadToolWeight[] _plan;
    private long _nextCall = -1;
    private CancellationTokenSource? _stall;

    private LoadTarget(LoadTargetSettings settings, NetworkMcpClient client, string description, ServiceProcess? process, TestMcpService? service)
    {
        _settings = settings;
        _client = client;
        Description = description;
        _process = process;
        _service = service;
        _plan = Plan(settings);
    }

    /// <summary>The target as it may be shown and written: never user info, query or token.</summary>
    public string Description { get; }

    /// <summary>The embedded service when it runs in this process (tests script faults through it), else null.</summary>
    public TestMcpService? InProcessService => _service;

    /// <summary>Starts the embedded service if needed, connects the client, and returns the target.</summary>
    public static async Task<LoadTarget> CreateAsync(LoadTargetSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ServiceProcess? process = null;
        TestMcpService? service = null;
        Uri endpoint;
        string description;
        try
        {
            if (settings.Target is { } target)
            {
                endpoint = target;
                description = Redact(target);
            }
            else if (settings.InProcess)
            {
                service = await TestMcpService.StartAsync(new TestMcpServiceOptions { RandomSeed = settings.Seed, RequiredBearerToken = settings.Token }, cancellationToken).ConfigureAwait(false);
                service.Faults.ToolLatency = TimeSpan.FromMilliseconds(settings.Fault.LatencyMs);
                service.Faults.ErrorRate = settings.Fault.ErrorRate;
                service.Faults.ErrorStatus = settings.Fault.ErrorStatus;
                endpoint = EmbeddedEndpoint(service.BaseAddress, settings.Protocol);
                description = "embedded test service (in-process)";
            }
            else
            {
                process = await ServiceProcess.StartAsync(ServeArguments(settings), cancellationToken).ConfigureAwait(false);
                endpoint = EmbeddedEndpoint(process.BaseAddress, settings.Protocol);
                description = "embedded test service (separate process)";
            }

            var client = await ConnectAsync(endpoint, settings, cancellationToken).ConfigureAwait(false);
            return new LoadTarget(settings, client, description, process, service);
        }
        catch
        {
            if (service is not null)
            {
                await service.DisposeAsync().ConfigureAwait(false);
            }

            if (process is not null)
            {
                await process.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }
    }

    /// <summary>
    /// Interleaves a weighted mix evenly (smooth weighted round-robin, as nginx balances upstreams): weights 3 and 1
    /// give <c>a a b a</c>, not <c>a a a b</c>, so every stretch of the run carries the mix, not just the whole.
    /// </summary>
    public static LoadToolWeight[] Plan(LoadTargetSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Mix.Count == 0)
        {
            return [new LoadToolWeight(settings.Tool, 1, settings.ArgumentsUtf8)];
        }

        var total = settings.Mix.Sum(m => m.Weight);
        var current = new long[settings.Mix.Count];
        var plan = new LoadToolWeight[total];
        for (var n = 0; n < total; n++)
        {
            var best = 0;
            for (var i = 0; i < current.Length; i++)
            {
                current[i] += settings.Mix[i].Weight;
                if (current[i] > current[best])
                {
                    best = i;
                }
            }

            current[best] -= total;
            plan[n] = settings.Mix[best];
        }

        return plan;
    }

    /// <summary>One call (the next tool of the mix); throws on any failure.</summary>
    public ValueTask CallAsync(CancellationToken cancellationToken)
    {
        var entry = _plan.Length == 1 ? _plan[0] : _plan[(int)((ulong)Interlocked.Increment(ref _nextCall) % (ulong)_plan.Length)];
        var pending = _client.CallToolAsync(ServiceName, entry.Tool, entry.ArgumentsUtf8, null, cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            pending.Result.Dispose();
            return default;
        }

        return AwaitAsync(pending);

        static async ValueTask AwaitAsync(ValueTask<ToolResult> pending)
        {
            using var result = await pending.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Called as the measured window starts: schedules the embedded in-process stall, a service-wide pause from
    /// <see cref="FaultProfile.StallAfterMs"/> for <see cref="FaultProfile.StallMs"/> during which every tool call
    /// that arrives is held (the test service's gate), as a GC pause or a failover would.
    /// </summary>
    public void OnMeasurementStarting()
    {
        if (_service is null || _settings.Fault.StallMs <= 0)
        {
            return;
        }

        _stall = new CancellationTokenSource();
        _ = StallAsync(_service.Faults, TimeSpan.FromMilliseconds(_settings.Fault.StallAfterMs), TimeSpan.FromMilliseconds(_settings.Fault.StallMs), _stall.Token);
    }

    /// <summary>Holds every tool call that arrives between <paramref name="after"/> and <paramref name="after"/> +
    /// <paramref name="duration"/> until the end of that window.</summary>
    public static async Task StallAsync(TestFaults faults, TimeSpan after, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(faults);
        try
        {
            await Task.Delay(after, cancellationToken).ConfigureAwait(false);
            faults.Gate.Close();
            await Task.Delay(duration, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Disposed before the stall ended.
        }
        finally
        {
            faults.Gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stall is not null)
        {
            await _stall.CancelAsync().ConfigureAwait(false);
            _stall.Dispose();
        }

        await _client.DisposeAsync().ConfigureAwait(false);
        if (_service is not null)
        {
            await _service.DisposeAsync().ConfigureAwait(false);
        }

        if (_process is not null)
        {
            await _process.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The URL without user info and query (either may carry a secret).</summary>
    public static string Redact(Uri target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return target.IsAbsoluteUri ? target.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped) : "(relative URI)";
    }

    private static Uri EmbeddedEndpoint(Uri baseAddress, McpProtocol protocol)
    {
        var root = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        return protocol == McpProtocol.StreamableHttp ? new Uri(root, "mcp") : root;
    }

    private static List<string> ServeArguments(LoadTargetSettings settings)
    {
        var inv = CultureInfo.InvariantCulture;
        var arguments = new List<string> { "--seed", settings.Seed.ToString(inv) };
        if (settings.Fault.LatencyMs > 0)
        {
            arguments.AddRange(["--tool-latency-ms", settings.Fault.LatencyMs.ToString(inv)]);
        }

        if (settings.Fault.ErrorRate > 0)
        {
            arguments.AddRange(["--error-rate", settings.Fault.ErrorRate.ToString("R", inv), "--error-status", settings.Fault.ErrorStatus.ToString(inv)]);
        }

        if (settings.Token is { Length: > 0 } token)
        {
            // The child's command line is visible to local users: the embedded service is for rehearsal, not secrets.
            arguments.AddRange(["--token", token]);
        }

        return arguments;
    }

    private static async Task<NetworkMcpClient> ConnectAsync(Uri endpoint, LoadTargetSettings settings, CancellationToken cancellationToken)
    {
        var discovery = new InMemoryServiceDiscovery();
        await discovery.RegisterAsync(ServiceName, endpoint, cancellationToken).ConfigureAwait(false);
        var options = new NetworkMcpClientOptions { Discovery = discovery };
        var service = options.DefaultServiceOptions;
        service.Protocol = settings.Protocol;
        service.Queue.WorkerCount = Math.Clamp(settings.Workers, 1, 1024);
        service.Queue.Capacity = Math.Clamp(settings.QueueCapacity, 1, 1 << 20);
        service.CallTimeout = settings.Timeout;
        service.Retry = settings.Retries == 0 ? RetryOptions.NoRetry : new RetryOptions { MaxRetries = settings.Retries };
        service.CircuitBreaker = CircuitBreakerOptions.Disabled;
        service.Queue.FullMode = settings.QueueMode;
        service.Tls.TrustedRootCertificates = settings.TrustedRoots;
        if (settings.Insecure)
        {
            // --insecure, asked for by name and announced on stderr and in the report: a test rig's own certificate.
#pragma warning disable CA5359 // accepts any certificate: that is the option's whole point
            service.Tls.RemoteCertificateValidation = static (_, _, _, _) => true;
#pragma warning restore CA5359
        }
        if (settings.Token is { Length: > 0 } token)
        {
            service.Http.BearerTokenProvider = BearerTokenProvider.FromStatic(token);
        }

        foreach (var (name, value) in settings.Headers)
        {
            service.Http.Headers[name] = value;
        }

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
}
