using System.Globalization;

namespace Cortex.Mcp.Fast.Hosting.Configuration;

/// <summary>
/// The configuration keys of one service (relative to <c>Mcp:Services:{name}</c> or <c>Mcp:Defaults</c>) and how each
/// is applied to a <see cref="McpServiceOptions"/>. Values go through the options' own setters, so every rule the
/// core enforces is enforced here too, with the same message; this table only adds parsing and the key's name.
/// </summary>
/// <remarks>
/// Settings that hold code (bearer token providers, server request handlers, certificates and validation callbacks)
/// have no key: set them in the <c>configure</c> delegate of <see cref="McpClientServiceCollectionExtensions"/>.
/// A test checks that every other public setting of <see cref="McpServiceOptions"/> has a key here.
/// </remarks>
internal static class ServiceSettings
{
    /// <summary>The key of a service's endpoint (services only, not <c>Defaults</c>).</summary>
    public const string EndpointKey = "Endpoint";

    /// <summary>The settings by key, compared case-insensitively like every configuration key.</summary>
    public static readonly IReadOnlyDictionary<string, Action<McpServiceOptions, string>> Appliers =
        new Dictionary<string, Action<McpServiceOptions, string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Protocol"] = static (o, v) => o.Protocol = ParseEnum<McpProtocol>(v),
            ["CallTimeout"] = static (o, v) => o.CallTimeout = ParseTimeSpan(v),
            ["EndpointPolicy"] = static (o, v) => o.EndpointPolicy = ParseEnum<EndpointPolicy>(v),
            ["Queue:WorkerCount"] = static (o, v) => o.Queue.WorkerCount = ParseInt(v),
            ["Queue:Capacity"] = static (o, v) => o.Queue.Capacity = ParseInt(v),
            ["Queue:FullMode"] = static (o, v) => o.Queue.FullMode = ParseEnum<QueueFullMode>(v),
            ["Queue:MaxWaiters"] = static (o, v) => o.Queue.MaxWaiters = ParseInt(v),
            ["Queue:ShedTarget"] = static (o, v) => o.Queue.ShedTarget = ParseTimeSpan(v),
            ["Queue:ShedInterval"] = static (o, v) => o.Queue.ShedInterval = ParseTimeSpan(v),
            ["Http:ConnectTimeout"] = static (o, v) => o.Http.ConnectTimeout = ParseTimeSpan(v),
            ["Http:PooledConnectionLifetime"] = static (o, v) => o.Http.PooledConnectionLifetime = ParseTimeSpan(v),
            ["Http:MinConnections"] = static (o, v) => o.Http.MinConnections = ParseInt(v),
            ["Http:MaxResponseBytes"] = static (o, v) => o.Http.MaxResponseBytes = ParseInt(v),
            ["Http:Engine"] = static (o, v) => o.Http.Engine = ParseEnum<HttpEngineKind>(v),
            ["Streams:MaxConcurrent"] = static (o, v) => o.Streams.MaxConcurrent = ParseInt(v),
            ["Streams:OpenTimeout"] = static (o, v) => o.Streams.OpenTimeout = ParseTimeSpan(v),
            ["Streams:LineProgressTimeout"] = static (o, v) => o.Streams.LineProgressTimeout = ParseTimeSpan(v),
            ["Streams:EventProgressTimeout"] = static (o, v) => o.Streams.EventProgressTimeout = v.Length == 0 ? null : ParseTimeSpan(v),
            ["Streams:MaxReconnectAttempts"] = static (o, v) => o.Streams.MaxReconnectAttempts = ParseInt(v),
            ["Mcp:UseStatelessRevision"] = static (o, v) => o.Mcp.UseStatelessRevision = ParseBool(v),
            ["Mcp:ClientName"] = static (o, v) => o.Mcp.ClientName = v,
            ["Mcp:ClientVersion"] = static (o, v) => o.Mcp.ClientVersion = v,
            ["Mcp:ClientTitle"] = static (o, v) => o.Mcp.ClientTitle = v.Length == 0 ? null : v,
            ["Mcp:ElicitationModes"] = static (o, v) => o.Mcp.ElicitationModes = ParseEnum<McpElicitationModes>(v),
            ["Mcp:ApplyElicitationDefaults"] = static (o, v) => o.Mcp.ApplyElicitationDefaults = ParseBool(v),
            ["Mcp:ServerRequestTimeout"] = static (o, v) => o.Mcp.ServerRequestTimeout = ParseTimeSpan(v),
            ["Retry:MaxRetries"] = static (o, v) => o.Retry.MaxRetries = ParseInt(v),
            ["Retry:BaseDelay"] = static (o, v) => o.Retry.BaseDelay = ParseTimeSpan(v),
            ["Retry:MaxDelay"] = static (o, v) => o.Retry.MaxDelay = ParseTimeSpan(v),
            ["Retry:JitterFactor"] = static (o, v) => o.Retry.JitterFactor = ParseDouble(v),
            ["RetryBudget:TimeToLive"] = static (o, v) => o.RetryBudget.TimeToLive = ParseTimeSpan(v),
            ["RetryBudget:MinRetriesPerSecond"] = static (o, v) => o.RetryBudget.MinRetriesPerSecond = ParseInt(v),
            ["RetryBudget:RetryRatio"] = static (o, v) => o.RetryBudget.RetryRatio = ParseDouble(v),
            ["CircuitBreaker:Enabled"] = static (o, v) => o.CircuitBreaker.Enabled = ParseBool(v),
            ["CircuitBreaker:FailureThreshold"] = static (o, v) => o.CircuitBreaker.FailureThreshold = ParseInt(v),
            ["CircuitBreaker:BreakDuration"] = static (o, v) => o.CircuitBreaker.BreakDuration = ParseTimeSpan(v),
            ["CircuitBreaker:FailureRatio"] = static (o, v) => o.CircuitBreaker.FailureRatio = v.Length == 0 ? null : ParseDouble(v),
            ["CircuitBreaker:MinimumThroughput"] = static (o, v) => o.CircuitBreaker.MinimumThroughput = ParseInt(v),
            ["CircuitBreaker:SamplingDuration"] = static (o, v) => o.CircuitBreaker.SamplingDuration = ParseTimeSpan(v),
            ["Tls:RevocationMode"] = static (o, v) => o.Tls.RevocationMode = ParseEnum<System.Security.Cryptography.X509Certificates.X509RevocationMode>(v),
        };

    /// <summary>Keys whose empty value means "none" (null) rather than "not set".</summary>
    public static bool AcceptsEmpty(string key) =>
        key.Equals("Streams:EventProgressTimeout", StringComparison.OrdinalIgnoreCase)
        || key.Equals("Mcp:ClientTitle", StringComparison.OrdinalIgnoreCase)
        || key.Equals("CircuitBreaker:FailureRatio", StringComparison.OrdinalIgnoreCase);

    private static int ParseInt(string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new FormatException("must be an integer.");

    private static double ParseDouble(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result) && double.IsFinite(result)
            ? result
            : throw new FormatException("must be a finite number (invariant culture, for example 0.25).");

    private static bool ParseBool(string value) =>
        bool.TryParse(value, out var result) ? result : throw new FormatException("must be true or false.");

    // The same text form as the configuration binder: [-][d.]hh:mm:ss[.fffffff], invariant culture.
    private static TimeSpan ParseTimeSpan(string value) =>
        TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new FormatException("must be a time span such as 00:00:30 (hh:mm:ss) or 1.00:00:00 (d.hh:mm:ss).");

    // Names only: Enum.TryParse would also accept numbers, defined or not, and comma-separated combinations.
    private static TEnum ParseEnum<TEnum>(string value)
        where TEnum : struct, Enum
    {
        foreach (var name in Enum.GetNames<TEnum>())
        {
            if (name.Equals(value.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return Enum.Parse<TEnum>(name);
            }
        }

        throw new FormatException($"must be one of {string.Join(", ", Enum.GetNames<TEnum>())}.");
    }
}
