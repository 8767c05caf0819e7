using Microsoft.Extensions.Options;
using static Cortex.Mcp.Fast.Hosting.Tests.TestHosts;

namespace Cortex.Mcp.Fast.Hosting.Tests.Configuration;

/// <summary>
/// A bad value stops the host at start-up with a message naming its configuration key and the rule it broke; it
/// never silently drops the service entry (what the configuration binder does when a setter throws).
/// </summary>
public sealed class ValidationTests
{
    private const string Service = "Mcp:Services:memory";

    /// <summary>Every rule an option setter enforces, reached through configuration: key, value, the rule's words.</summary>
    public static TheoryData<string, string, string> SetterRules => new()
    {
        { "CallTimeout", "00:00:00", "CallTimeout must be a positive, finite time span." },
        { "Queue:WorkerCount", "0", "WorkerCount must be between 1 and 1024." },
        { "Queue:WorkerCount", "1025", "WorkerCount must be between 1 and 1024." },
        { "Queue:Capacity", "0", "Capacity must be between 1 and 1048576." },
        { "Http:ConnectTimeout", "-00:00:01", "ConnectTimeout must be a positive, finite time span." },
        { "Http:PooledConnectionLifetime", "00:00:00", "PooledConnectionLifetime must be a positive, finite time span." },
        { "Http:MinConnections", "-1", "MinConnections must be between 0 and 2048." },
        { "Http:MaxResponseBytes", "1000", "MaxResponseBytes must be between 1024 and 1073741824." },
        { "Streams:MaxConcurrent", "0", "MaxConcurrent must be between 1 and 1024." },
        { "Streams:OpenTimeout", "00:00:00", "OpenTimeout must be a positive, finite time span." },
        { "Streams:LineProgressTimeout", "00:00:00", "LineProgressTimeout must be a positive, finite time span." },
        { "Streams:EventProgressTimeout", "00:00:00", "EventProgressTimeout must be a positive, finite time span." },
        { "Streams:MaxReconnectAttempts", "101", "MaxReconnectAttempts must be between 0 and 100." },
        { "Retry:MaxRetries", "101", "MaxRetries must be between 0 and 100." },
        { "Retry:BaseDelay", "2.00:00:00", "BaseDelay must be between 0 and 1 day." },
        { "Retry:MaxDelay", "-00:00:01", "MaxDelay must be between 0 and 1 day." },
        { "Retry:JitterFactor", "1.5", "JitterFactor must be between 0 and 1." },
        { "RetryBudget:TimeToLive", "00:00:00.500", "TimeToLive must be between 1 and 60 seconds." },
        { "RetryBudget:MinRetriesPerSecond", "-1", "MinRetriesPerSecond must be between 0 and 1000000." },
        { "RetryBudget:RetryRatio", "11", "RetryRatio must be between 0 and 10." },
        { "CircuitBreaker:FailureThreshold", "0", "FailureThreshold must be at least 1." },
        { "CircuitBreaker:BreakDuration", "00:00:00", "BreakDuration must be between 1 ms and 1 day." },
        { "CircuitBreaker:FailureRatio", "0", "FailureRatio must be greater than 0 and at most 1, or null for consecutive-failure mode." },
        { "CircuitBreaker:FailureRatio", "1.01", "FailureRatio must be greater than 0 and at most 1, or null for consecutive-failure mode." },
    };

    /// <summary>Values that are not of the setting's type.</summary>
    public static TheoryData<string, string, string> ParseRules => new()
    {
        { "Queue:WorkerCount", "eight", "must be an integer." },
        { "CallTimeout", "30s", "must be a time span such as 00:00:30" },
        { "Retry:JitterFactor", "NaN", "must be a finite number" },
        { "CircuitBreaker:Enabled", "yes", "must be true or false." },
        { "Protocol", "Grpc", "must be one of Rest, StreamableHttp, Auto, LegacySse, StreamableHttpOrLegacySse." },
        { "Protocol", "1", "must be one of Rest, StreamableHttp, Auto, LegacySse, StreamableHttpOrLegacySse." },
        { "Queue:FullMode", "Wait,FailFast", "must be one of Wait, FailFast, Shed." },
        { "Tls:RevocationMode", "Sometimes", "must be one of NoCheck, Online, Offline." },
        { "Http:Engine", "Curl", "must be one of SocketsHttpHandler, Direct." },
    };

    [Theory]
    [MemberData(nameof(SetterRules))]
    public async Task Start_ValueASetterRefuses_FailsNamingKeyAndRule(string key, string value, string rule)
    {
        var error = await StartFailsAsync(Settings(($"Services:memory:{key}", value), ("Services:memory:Endpoint", "http://127.0.0.1:9/")));

        Assert.Contains($"{Service}:{key}: '{value}' is out of range: {rule}", error.Failures);
    }

    [Theory]
    [MemberData(nameof(ParseRules))]
    public async Task Start_ValueThatDoesNotParse_FailsNamingKey(string key, string value, string rule)
    {
        var error = await StartFailsAsync(Settings(($"Services:memory:{key}", value)));

        var failure = Assert.Single(error.Failures);
        Assert.StartsWith($"{Service}:{key}: '{value}' {rule}", failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OneBadServiceAmongGoodOnes_FailsInsteadOfDroppingIt()
    {
        var error = await StartFailsAsync(Settings(
            ("Services:good:Endpoint", "http://127.0.0.1:9/"),
            ("Services:memory:Endpoint", "http://127.0.0.1:9/"),
            ("Services:memory:Queue:WorkerCount", "0")));

        Assert.Equal($"{Service}:Queue:WorkerCount: '0' is out of range: WorkerCount must be between 1 and 1024.", Assert.Single(error.Failures));
        Assert.Contains($"{Service}:Queue:WorkerCount", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SeveralBadValues_ReportsEveryOne()
    {
        var error = await StartFailsAsync(Settings(
            ("Defaults:Retry:MaxRetries", "-1"),
            ("Services:a:Queue:Capacity", "0"),
            ("Services:b:Http:ConnectTimeout", "soon")));

        Assert.Equal(3, error.Failures.Count());
        Assert.Contains(error.Failures, f => f.StartsWith("Mcp:Defaults:Retry:MaxRetries: '-1'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Mcp:Services:a:Queue:Capacity: '0'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.StartsWith("Mcp:Services:b:Http:ConnectTimeout: 'soon'", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Services:memory:Queue:WorkerCont", "8", "Mcp:Services:memory:Queue:WorkerCont: unknown setting")]
    [InlineData("Services:memory:Tls:TrustedRootCertificates", "x", "Mcp:Services:memory:Tls:TrustedRootCertificates: unknown setting")]
    [InlineData("Defaults:Endpoint", "http://127.0.0.1:9/", "Mcp:Defaults:Endpoint: unknown setting")]
    [InlineData("Servics:memory:Endpoint", "http://127.0.0.1:9/", "Mcp:Servics: unknown key (expected Services, Defaults or Health).")]
    [InlineData("Health:QueueDepth", "3", "Mcp:Health:QueueDepth: unknown setting (expected QueueThreshold).")]
    [InlineData("Services:memory", "http://127.0.0.1:9/", "Mcp:Services:memory: 'http://127.0.0.1:9/' is a value, but a service is a section of settings (did you mean Mcp:Services:memory:Endpoint?).")]
    public async Task Start_UnknownKey_FailsNamingIt(string key, string value, string expected)
    {
        var error = await StartFailsAsync(Settings((key, value)));

        Assert.StartsWith(expected, Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("relative/path", "is not an absolute URI.")]
    [InlineData("ftp://127.0.0.1/", "is refused: An endpoint must be an absolute http or https URI.")]
    [InlineData("http://user:secret@127.0.0.1/", "is refused: An endpoint must not carry user information.")]
    public async Task Start_BadEndpoint_FailsNamingKey(string endpoint, string rule)
    {
        var error = await StartFailsAsync(Settings(("Services:memory:Endpoint", endpoint)));

        Assert.Equal($"{Service}:Endpoint: '{endpoint}' {rule}", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1.5")]
    [InlineData("most")]
    public async Task Start_BadHealthThreshold_FailsNamingKey(string value)
    {
        var error = await StartFailsAsync(Settings(("Health:QueueThreshold", value)));

        Assert.StartsWith($"Mcp:Health:QueueThreshold: '{value}' must be a number greater than 0 and at most 1", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_MoreMinConnectionsThanWorkersAndStreams_FailsNamingAllThreeKeys()
    {
        var error = await StartFailsAsync(Settings(
            ("Services:memory:Http:MinConnections", "13"),
            ("Services:memory:Queue:WorkerCount", "8"),
            ("Services:memory:Streams:MaxConcurrent", "4")));

        Assert.Equal(
            $"{Service}:Http:MinConnections (13) must not exceed {Service}:Queue:WorkerCount + {Service}:Streams:MaxConcurrent (8 + 4): the extra connections would never be used.",
            Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Start_MaxDelayBelowBaseDelay_FailsNamingBothKeys()
    {
        var error = await StartFailsAsync(Settings(("Services:memory:Retry:BaseDelay", "00:00:02"), ("Services:memory:Retry:MaxDelay", "00:00:01")));

        Assert.Equal($"{Service}:Retry:MaxDelay (00:00:01) must not be less than {Service}:Retry:BaseDelay (00:00:02).", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Start_BaseDelayNotBelowCallTimeout_FailsUnlessRetriesAreOff()
    {
        var error = await StartFailsAsync(Settings(
            ("Services:memory:CallTimeout", "00:00:01"), ("Services:memory:Retry:BaseDelay", "00:00:01"), ("Services:memory:Retry:MaxDelay", "00:00:05")));
        Assert.StartsWith($"{Service}:Retry:BaseDelay (00:00:01) must be less than {Service}:CallTimeout (00:00:01) when retries are on", Assert.Single(error.Failures), StringComparison.Ordinal);

        using var host = Build(Settings(
            ("Services:memory:CallTimeout", "00:00:01"), ("Services:memory:Retry:BaseDelay", "00:00:01"),
            ("Services:memory:Retry:MaxDelay", "00:00:05"), ("Services:memory:Retry:MaxRetries", "0")));
        await host.StartAsync(Bounded());
        await host.StopAsync(Bounded());
    }

    [Theory]
    [InlineData("MinimumThroughput", "50")]
    [InlineData("SamplingDuration", "00:00:10")]
    public async Task Start_RatioOnlySettingWithoutRatio_FailsAndPassesOnceRatioIsSet(string setting, string value)
    {
        var error = await StartFailsAsync(Settings(($"Services:memory:CircuitBreaker:{setting}", value)));
        Assert.Equal(
            $"{Service}:CircuitBreaker:{setting}: applies only in failure-ratio mode; set {Service}:CircuitBreaker:FailureRatio too, or remove it.",
            Assert.Single(error.Failures));

        using var host = Build(Settings(($"Services:memory:CircuitBreaker:{setting}", value), ("Services:memory:CircuitBreaker:FailureRatio", "0.5")));
        await host.StartAsync(Bounded());
        Assert.Equal(0.5, BuildOf(host.Services).For("memory").CircuitBreaker.FailureRatio);
        await host.StopAsync(Bounded());
    }

    [Fact]
    public async Task Start_ConfigureDelegateSetsBadValue_FailsWithTheRule()
    {
        var error = await StartFailsAsync(Settings(), configure: o => o.DefaultServiceOptions.Queue.WorkerCount = 0);

        Assert.Equal("The configure delegate: WorkerCount must be between 1 and 1024.", Assert.Single(error.Failures));
    }

    [Fact]
    public async Task Start_ConfigureDelegateBreaksACombination_FailsNamingTheKeys()
    {
        var error = await StartFailsAsync(Settings(("Services:memory:Queue:WorkerCount", "1")), configure: o => o.Services["memory"].Http.MinConnections = 100);

        Assert.StartsWith($"{Service}:Http:MinConnections (100) must not exceed", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_EndpointsInConfigurationButDiscoveryReplaced_Fails()
    {
        var error = await StartFailsAsync(
            Settings(("Services:memory:Endpoint", "http://127.0.0.1:9/")),
            configure: o => o.Discovery = new InMemoryServiceDiscovery());

        Assert.StartsWith("Mcp:Services:*:Endpoint: endpoints from configuration need the built-in discovery", Assert.Single(error.Failures), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_DefaultsError_ReportedOnceUnderDefaults()
    {
        var error = await StartFailsAsync(Settings(("Defaults:Queue:WorkerCount", "0"), ("Services:a:CallTimeout", "00:00:05"), ("Services:b:CallTimeout", "00:00:05")));

        Assert.Equal("Mcp:Defaults:Queue:WorkerCount: '0' is out of range: WorkerCount must be between 1 and 1024.", Assert.Single(error.Failures));
    }

    private static async Task<OptionsValidationException> StartFailsAsync(Dictionary<string, string?> settings, Action<NetworkMcpClientOptions>? configure = null)
    {
        using var host = Build(settings, configure);
        return await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Bounded()));
    }
}
