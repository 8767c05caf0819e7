using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Cortex.Mcp.Fast.Hosting.Configuration;

/// <summary>
/// Builds a client's <see cref="NetworkMcpClientOptions"/> from configuration and code, collecting every error with
/// the key it belongs to instead of stopping at the first: the configuration binder drops a whole dictionary entry
/// when one setter throws, which is the silent failure this replaces.
/// </summary>
internal static class ClientOptionsBuilder
{
    private const string ServicesKey = "Services";
    private const string DefaultsKey = "Defaults";
    private const string HealthKey = "Health";
    private const string QueueThresholdKey = "QueueThreshold";

    /// <summary>Builds the options: configuration first (defaults, then each service over them), then the
    /// <see cref="McpClientHostingOptions.ConfigureClient"/> delegates, then the checks across settings.</summary>
    public static ClientBuild Build(McpClientHostingOptions hosting, TimeProvider timeProvider, ILoggerFactory? loggerFactory, IMeterFactory? meterFactory = null)
    {
        var errors = new List<string>();
        var options = new NetworkMcpClientOptions { TimeProvider = timeProvider, LoggerFactory = loggerFactory, MeterFactory = meterFactory };
        var endpoints = new Dictionary<string, Uri[]>(StringComparer.Ordinal);
        var threshold = hosting.HealthQueueThreshold;
        var config = hosting.Configuration;
        if (config is not null)
        {
            CheckTopLevel(config, errors);
            var defaults = config.GetSection(DefaultsKey);
            Apply(defaults, options.DefaultServiceOptions, errors, endpoint: null);
            foreach (var service in config.GetSection(ServicesKey).GetChildren())
            {
                var serviceOptions = new McpServiceOptions();
                Apply(defaults, serviceOptions, errors: null, endpoint: null); // its errors are reported once, above
                var serviceEndpoints = new List<Uri>();
                Apply(service, serviceOptions, errors, serviceEndpoints.Add);
                if (serviceEndpoints.Count > 0)
                {
                    endpoints[service.Key] = [.. serviceEndpoints];
                }

                options.Services[service.Key] = serviceOptions;
            }

            threshold = ReadThreshold(config.GetSection(HealthKey), threshold, errors);
        }

        var discovery = new InMemoryServiceDiscovery();
        foreach (var (service, serviceEndpoints) in endpoints)
        {
            // The in-memory registry completes synchronously.
            discovery.RegisterAsync(service, serviceEndpoints).AsTask().GetAwaiter().GetResult();
        }

        options.Discovery = discovery;
        foreach (var configure in hosting.ConfigureClient)
        {
            try
            {
                configure(options);
            }
            catch (ArgumentException ex)
            {
                errors.Add($"The configure delegate: {RuleMessage(ex)}");
            }
        }

        var keptDiscovery = ReferenceEquals(options.Discovery, discovery);
        if (!keptDiscovery && endpoints.Count > 0)
        {
            errors.Add($"{PathOf(config, ServicesKey)}:*:{ServiceSettings.EndpointKey}: endpoints from configuration need the "
                + "built-in discovery, but the configure delegate replaced NetworkMcpClientOptions.Discovery; "
                + "register the endpoints there instead.");
        }

        CheckCombinations(PathOf(config, DefaultsKey), options.DefaultServiceOptions, config?.GetSection(DefaultsKey), errors);
        foreach (var (name, serviceOptions) in options.Services)
        {
            var section = config?.GetSection(ServicesKey).GetSection(name);
            CheckCombinations(PathOf(config, $"{ServicesKey}:{name}"), serviceOptions, section, errors);
        }

        return new ClientBuild
        {
            Options = options,
            ConfiguredDiscovery = keptDiscovery ? discovery : null,
            Endpoints = endpoints,
            QueueThreshold = threshold,
            Errors = errors,
        };
    }

    /// <summary>Reads only the endpoints (for a configuration reload), with their errors.</summary>
    public static Dictionary<string, Uri[]> ReadEndpoints(IConfiguration config, List<string> errors)
    {
        var endpoints = new Dictionary<string, Uri[]>(StringComparer.Ordinal);
        foreach (var service in config.GetSection(ServicesKey).GetChildren())
        {
            var found = new List<Uri>();
            ReadEndpoints(service, errors, found.Add);
            if (found.Count > 0)
            {
                endpoints[service.Key] = [.. found];
            }
        }

        return endpoints;
    }

    /// <summary>A service's endpoints: <c>Endpoint</c> (one) or <c>Endpoints</c> (a list), never both.</summary>
    private static void ReadEndpoints(IConfigurationSection service, List<string> errors, Action<Uri> endpoint)
    {
        var one = service.GetSection(ServiceSettings.EndpointKey);
        var many = service.GetSection(ServiceSettings.EndpointsKey).GetChildren().ToList();
        if (one.Value is { Length: > 0 } && many.Count > 0)
        {
            errors.Add($"{service.Path}: set {ServiceSettings.EndpointKey} or {ServiceSettings.EndpointsKey}, not both.");
            return;
        }

        if (one.Value is { Length: > 0 } value && ParseEndpoint(service.Key, one.Path, value, errors) is { } uri)
        {
            endpoint(uri);
        }

        foreach (var item in many)
        {
            // An empty item (JSON null, or a key cleared on reload) is no endpoint.
            if (item.Value is { Length: > 0 } each && ParseEndpoint(service.Key, item.Path, each, errors) is { } eachUri)
            {
                endpoint(eachUri);
            }
        }
    }

    /// <summary>Applies every value under <paramref name="section"/> to <paramref name="target"/> through its
    /// setters; an unknown key, a value that does not parse or one a setter refuses becomes an error.</summary>
    private static void Apply(IConfigurationSection section, McpServiceOptions target, List<string>? errors, Action<Uri>? endpoint)
    {
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors?.Add($"{section.Path}: '{section.Value}' is a value, but a service is a section of settings "
                + $"(did you mean {section.Path}:{ServiceSettings.EndpointKey}?).");
            return;
        }

        foreach (var (relativeKey, value) in section.AsEnumerable(makePathsRelative: true))
        {
            if (value is null)
            {
                continue; // a section on the way to a value
            }

            var key = $"{section.Path}:{relativeKey}";
            if (endpoint is not null && IsEndpointKey(relativeKey))
            {
                continue; // read once below, with the rule that a service has one form or the other
            }

            if (!ServiceSettings.TryGetApplier(relativeKey, out var apply))
            {
                errors?.Add($"{key}: unknown setting (settings are the groups of McpServiceOptions, for example "
                    + "CallTimeout, Queue:WorkerCount, Http:ConnectTimeout, Retry:MaxRetries, CircuitBreaker:BreakDuration).");
                continue;
            }

            if (value.Length == 0 && !ServiceSettings.AcceptsEmpty(relativeKey))
            {
                continue; // an empty value (JSON null) leaves the setting as it is
            }

            var shown = ServiceSettings.IsSecret(relativeKey) ? "(value hidden)" : $"'{value}'";
            try
            {
                apply(target, value);
            }
            catch (FormatException ex)
            {
                errors?.Add($"{key}: {shown} {ex.Message}");
            }
            catch (ArgumentException ex)
            {
                errors?.Add($"{key}: {shown} is out of range: {RuleMessage(ex)}");
            }
        }

        if (endpoint is not null)
        {
            ReadEndpoints(section, errors ?? [], endpoint);
        }
    }

    private static bool IsEndpointKey(string relativeKey) =>
        relativeKey.Equals(ServiceSettings.EndpointKey, StringComparison.OrdinalIgnoreCase)
        || relativeKey.StartsWith(ServiceSettings.EndpointsKey + ":", StringComparison.OrdinalIgnoreCase);

    private static Uri? ParseEndpoint(string service, string key, string value, List<string> errors)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri))
        {
            errors.Add($"{key}: '{value}' is not an absolute URI.");
            return null;
        }

        try
        {
            // The registry's own rules (http or https, no user information), so both paths agree.
            _ = new InMemoryServiceDiscovery([new KeyValuePair<string, Uri>(service, uri)]);
            return uri;
        }
        catch (ArgumentException ex)
        {
            errors.Add($"{key}: '{value}' is refused: {RuleMessage(ex)}");
            return null;
        }
    }

    private static void CheckTopLevel(IConfiguration config, List<string> errors)
    {
        foreach (var child in config.GetChildren())
        {
            if (!child.Key.Equals(ServicesKey, StringComparison.OrdinalIgnoreCase)
                && !child.Key.Equals(DefaultsKey, StringComparison.OrdinalIgnoreCase)
                && !child.Key.Equals(HealthKey, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{child.Path}: unknown key (expected {ServicesKey}, {DefaultsKey} or {HealthKey}).");
            }
        }
    }

    private static double ReadThreshold(IConfigurationSection health, double current, List<string> errors)
    {
        var result = current;
        foreach (var (relativeKey, value) in health.AsEnumerable(makePathsRelative: true))
        {
            var key = $"{health.Path}:{relativeKey}";
            if (!relativeKey.Equals(QueueThresholdKey, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add($"{key}: unknown setting (expected {QueueThresholdKey}).");
            }
            else if (!string.IsNullOrEmpty(value))
            {
                if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var ratio) || !(ratio > 0 && ratio <= 1))
                {
                    errors.Add($"{key}: '{value}' must be a number greater than 0 and at most 1 (a share of the queue capacity).");
                }
                else
                {
                    result = ratio;
                }
            }
        }

        return result;
    }

    /// <summary>The rules across settings: the core's own (<see cref="McpServiceOptions.Validate"/>) with the keys
    /// named, and two that catch settings with no effect.</summary>
    private static void CheckCombinations(string path, McpServiceOptions options, IConfigurationSection? section, List<string> errors)
    {
        var count = errors.Count;
        if (options.Queue is { } queue && options.Streams is { } streams && options.Http is { } http
            && http.MinConnections > queue.WorkerCount + streams.MaxConcurrent)
        {
            errors.Add(Invariant($"{path}:Http:MinConnections ({http.MinConnections}) must not exceed {path}:Queue:WorkerCount + {path}:Streams:MaxConcurrent ({queue.WorkerCount} + {streams.MaxConcurrent}): the extra connections would never be used."));
        }

        if (options.Retry is { } retry)
        {
            if (retry.MaxDelay < retry.BaseDelay)
            {
                errors.Add(Invariant($"{path}:Retry:MaxDelay ({retry.MaxDelay}) must not be less than {path}:Retry:BaseDelay ({retry.BaseDelay})."));
            }

            if (retry.MaxRetries > 0 && retry.BaseDelay >= options.CallTimeout)
            {
                errors.Add(Invariant($"{path}:Retry:BaseDelay ({retry.BaseDelay}) must be less than {path}:CallTimeout ({options.CallTimeout}) when retries are on: no retry could start before the call's deadline (set Retry:MaxRetries to 0 for none)."));
            }
        }

        if (section is not null && options.CircuitBreaker is { FailureRatio: null })
        {
            foreach (var ratioOnly in (string[])["MinimumThroughput", "SamplingDuration"])
            {
                var key = section.GetSection("CircuitBreaker").GetSection(ratioOnly);
                if (!string.IsNullOrEmpty(key.Value))
                {
                    errors.Add($"{key.Path}: applies only in failure-ratio mode; set {section.Path}:CircuitBreaker:FailureRatio too, or remove it.");
                }
            }
        }

        if (errors.Count == count)
        {
            try
            {
                options.Validate(); // anything the core checks that the rules above do not (a group set to null in code)
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{path}: {RuleMessage(ex)}");
            }
        }
    }

    private static string PathOf(IConfiguration? config, string relative) =>
        config is IConfigurationSection { Path.Length: > 0 } section ? $"{section.Path}:{relative}" : relative;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    /// <summary>The rule's own sentence, without the parameter name and actual value the runtime appends.</summary>
    internal static string RuleMessage(ArgumentException exception)
    {
        var message = exception.Message;
        var cut = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        if (cut < 0)
        {
            cut = message.IndexOf('\n', StringComparison.Ordinal);
        }

        return (cut < 0 ? message : message[..cut]).TrimEnd();
    }
}
