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

    /// <summary>The key of a service's endpoint list (<c>Endpoints:0</c>, <c>Endpoints:1</c>…), instead of <see cref="EndpointKey"/>.</summary>
    public const string EndpointsKey = "Endpoints";

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
            ["Http:PooledConnectionIdleTimeout"] = static (o, v) => o.Http.PooledConnectionIdleTimeout = ParseTimeSpan(v),
            ["Http:Proxy:Address"] = static (o, v) =>
            {
                var address = ParseProxyAddress(v); // before a proxy is created: a refused address leaves none
                ProxyOf(o).Address = address;
            },
            ["Http:Proxy:BypassList"] = static (o, v) => ProxyOf(o).BypassList = v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ["Http:Proxy:BypassOnLocal"] = static (o, v) => ProxyOf(o).BypassProxyOnLocal = ParseBool(v),
            ["Http:Proxy:Password"] = static (o, v) => CredentialOf(o).Password = v,
            ["Http:Proxy:UserName"] = static (o, v) => CredentialOf(o).UserName = v,
            ["Http:Version"] = static (o, v) => o.Http.Version = ParseEnum<HttpProtocolVersion>(v),
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

    /// <summary>Keys that end with a name of the user's (<c>Http:Headers:X-Api-Key</c>) or an array index
    /// (<c>Http:Proxy:BypassList:0</c>), by prefix.</summary>
    public static readonly IReadOnlyDictionary<string, Action<McpServiceOptions, string, string>> PrefixAppliers =
        new Dictionary<string, Action<McpServiceOptions, string, string>>(StringComparer.OrdinalIgnoreCase)
        {
            ["Http:Headers:"] = static (o, name, v) => o.Http.Headers[name] = v,
            ["Http:Proxy:BypassList:"] = static (o, index, v) => AddBypass(ProxyOf(o), ParseInt(index), v),
        };

    /// <summary>The applier of <paramref name="key"/>: an exact key, or a prefix key with its last part.</summary>
    public static bool TryGetApplier(string key, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Action<McpServiceOptions, string>? apply)
    {
        if (Appliers.TryGetValue(key, out apply))
        {
            return true;
        }

        foreach (var (prefix, applyNamed) in PrefixAppliers)
        {
            if (key.Length > prefix.Length && key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && !key.AsSpan(prefix.Length).Contains(':'))
            {
                var name = key[prefix.Length..];
                apply = (o, v) => applyNamed(o, name, v);
                return true;
            }
        }

        apply = null;
        return false;
    }

    /// <summary>Keys whose value must never be quoted in an error (credentials, and header values, which are often
    /// API keys).</summary>
    public static bool IsSecret(string key) =>
        key.StartsWith("Http:Headers:", StringComparison.OrdinalIgnoreCase)
        || key.Equals("Http:Proxy:Password", StringComparison.OrdinalIgnoreCase);

    /// <summary>Keys whose empty value means "none" (null) rather than "not set".</summary>
    public static bool AcceptsEmpty(string key) =>
        key.Equals("Streams:EventProgressTimeout", StringComparison.OrdinalIgnoreCase)
        || key.Equals("Mcp:ClientTitle", StringComparison.OrdinalIgnoreCase)
        || key.Equals("CircuitBreaker:FailureRatio", StringComparison.OrdinalIgnoreCase);

    /// <summary>The service's <see cref="System.Net.WebProxy"/>, created by the first proxy key.</summary>
    private static System.Net.WebProxy ProxyOf(McpServiceOptions options)
    {
        if (options.Http.Proxy is System.Net.WebProxy proxy)
        {
            return proxy;
        }

        proxy = new System.Net.WebProxy();
        options.Http.Proxy = proxy;
        return proxy;
    }

    /// <summary>Array items arrive in no particular order: keep them by index, and the list in index order.</summary>
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<System.Net.WebProxy, SortedDictionary<int, string>> s_bypassByIndex = [];

    private static void AddBypass(System.Net.WebProxy proxy, int index, string pattern)
    {
        var items = s_bypassByIndex.GetOrCreateValue(proxy);
        lock (items)
        {
            items[index] = pattern;
            proxy.BypassList = [.. items.Values];
        }
    }

    private static System.Net.NetworkCredential CredentialOf(McpServiceOptions options)
    {
        var proxy = ProxyOf(options);
        if (proxy.Credentials is System.Net.NetworkCredential credential)
        {
            return credential;
        }

        credential = new System.Net.NetworkCredential();
        proxy.Credentials = credential;
        return credential;
    }

    private static Uri ParseProxyAddress(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == "socks5")
            && string.IsNullOrEmpty(uri.UserInfo)
            ? uri
            : throw new FormatException("must be an absolute http://, https:// or socks5:// URI without user information (use Http:Proxy:UserName and Http:Proxy:Password).");

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
