using System.Net;
using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>
/// An <see cref="IServiceDiscovery"/> that finds a service's endpoints in DNS SRV records (DnsClient), as Kubernetes
/// headless services and Consul publish them: every endpoint is returned, and the answer is looked up again when its
/// TTL runs out.
/// </summary>
/// <remarks>
/// <para><b>Selection.</b> Only the SRV records of the lowest priority are used (RFC 2782: higher priorities are
/// backups); when none of them leads to an address, the next priority is tried. Within a priority, records are
/// ordered by weight, heaviest first (then by target and port, so the order is stable): <see cref="ResolveAsync"/>
/// gives the heaviest, and the client's balancer (power of two choices on in-flight calls) treats the endpoints
/// alike, so weights order the list but do not split traffic. A target of <c>.</c> ("no service here") is skipped.
/// </para>
/// <para><b>Targets.</b> With <see cref="DnsSrvDiscoveryOptions.ResolveTargets"/> (the default) each target becomes
/// one endpoint per address: the A and AAAA records of the answer's additional section, else looked up. Otherwise the
/// endpoint names the target host.</para>
/// <para><b>Freshness.</b> A service is watched from its first answer with endpoints on (an unknown service is asked
/// again on every call, and holds no timer between calls): it is looked up again after the
/// smallest TTL of the records used, held between <see cref="DnsSrvDiscoveryOptions.MinTtl"/> and
/// <see cref="DnsSrvDiscoveryOptions.MaxTtl"/> (a <see cref="TimeProvider"/> timer), and
/// <see cref="EndpointChanged"/> is raised only when the endpoints differ. A name that does not exist or has no SRV
/// records is an answer (no endpoints: the service is unknown, or, for a watched one, gone). A failed lookup (no answer within
/// <see cref="DnsSrvDiscoveryOptions.QueryTimeout"/> after the retries, a server failure) keeps the last good answer,
/// is logged, and is tried again after <see cref="DnsSrvDiscoveryOptions.FailureRetryDelay"/>; a first lookup that
/// fails throws. DnsClient's own cache is off: the TTLs are honoured here. Thread-safe.</para>
/// </remarks>
public sealed class DnsSrvServiceDiscovery : IServiceDiscovery, IAsyncDisposable, IDisposable
{
    private readonly LookupClient _client;
    private readonly EndpointWatchList _watches;
    private readonly ILogger _logger;
    private readonly Func<string, string> _queryNameOf;
    private readonly string _scheme;
    private readonly string _path;
    private readonly bool _resolveTargets;
    private readonly TimeSpan _minTtl;
    private readonly TimeSpan _maxTtl;
    private readonly int _maxEndpoints;

    /// <summary>Creates the source. The options are read once, here.</summary>
    /// <param name="options">The query names, name servers and limits; null for the defaults.</param>
    /// <param name="timeProvider">The clock of the TTL timers; null for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">The logger; null for none.</param>
    /// <exception cref="ArgumentException"><see cref="DnsSrvDiscoveryOptions.MinTtl"/> is above
    /// <see cref="DnsSrvDiscoveryOptions.MaxTtl"/>, a name server is null, or a query name is empty.</exception>
    public DnsSrvServiceDiscovery(DnsSrvDiscoveryOptions? options = null, TimeProvider? timeProvider = null, ILogger<DnsSrvServiceDiscovery>? logger = null)
    {
        options ??= new DnsSrvDiscoveryOptions();
        if (options.MinTtl > options.MaxTtl)
        {
            throw new ArgumentException($"MinTtl ({options.MinTtl}) must not be above MaxTtl ({options.MaxTtl}).", nameof(options));
        }

        if (options.NameServers.Any(s => s is null))
        {
            throw new ArgumentException("A name server is null.", nameof(options));
        }

        var queryNames = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (service, name) in options.QueryNames)
        {
            ArgumentException.ThrowIfNullOrEmpty(service, nameof(options));
            queryNames[service] = string.IsNullOrWhiteSpace(name)
                ? throw new ArgumentException($"The SRV name of service '{service}' is empty.", nameof(options))
                : name;
        }

        var format = options.QueryNameFormat;
        _queryNameOf = service => queryNames.TryGetValue(service, out var name) ? name : format.Replace("{0}", service, StringComparison.Ordinal);
        _scheme = options.Scheme;
        _path = options.Path;
        _resolveTargets = options.ResolveTargets;
        _minTtl = options.MinTtl;
        _maxTtl = options.MaxTtl;
        _maxEndpoints = options.MaxEndpoints;
        _logger = (ILogger?)logger ?? NullLogger.Instance;

        var lookup = options.NameServers.Count > 0 ? new LookupClientOptions([.. options.NameServers]) : new LookupClientOptions();
        lookup.UseCache = false;              // TTLs are honoured by the watch, which must see every change
        lookup.Timeout = options.QueryTimeout;
        lookup.Retries = options.QueryRetries;
        lookup.ThrowDnsErrors = false;         // error codes are read below: NXDOMAIN is an answer, SERVFAIL a failure
        lookup.UseTcpFallback = true;          // a truncated UDP answer (many records) is asked again over TCP
        _client = new LookupClient(lookup);

        _watches = new EndpointWatchList(LookupAsync, service => EndpointChanged?.Invoke(service), options.FailureRetryDelay,
            timeProvider ?? TimeProvider.System, _logger);
    }

    /// <inheritdoc />
    public event Action<string>? EndpointChanged;

    /// <summary>Raised after every re-resolution (a test seam).</summary>
    internal event Action<string>? RefreshCompleted
    {
        add => _watches.RefreshCompleted += value;
        remove => _watches.RefreshCompleted -= value;
    }

    /// <summary>Returns the first endpoint of <paramref name="service"/> (the heaviest of the lowest priority), or
    /// null when it has none.</summary>
    /// <exception cref="DnsResponseException">The first lookup of the service failed (no answer in time, a server
    /// failure); a later call tries again.</exception>
    /// <exception cref="ObjectDisposedException">The source was disposed.</exception>
    public async ValueTask<Uri?> ResolveAsync(string service, CancellationToken cancellationToken = default)
    {
        var all = await ResolveAllAsync(service, cancellationToken).ConfigureAwait(false);
        return all.Count == 0 ? null : all[0];
    }

    /// <summary>Returns every endpoint of <paramref name="service"/>, or an empty list when it has none. After the
    /// first call the answer comes from the watch (no query) until its TTL runs out.</summary>
    /// <exception cref="DnsResponseException">The first lookup of the service failed (no answer in time, a server
    /// failure); a later call tries again.</exception>
    /// <exception cref="ObjectDisposedException">The source was disposed.</exception>
    public ValueTask<IReadOnlyList<Uri>> ResolveAllAsync(string service, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(service);
        return _watches.GetAsync(service, cancellationToken);
    }

    /// <summary>Stops the TTL timers.</summary>
    public ValueTask DisposeAsync() => _watches.DisposeAsync();

    /// <summary>Stops the TTL timers (synchronously: nothing here waits).</summary>
    public void Dispose() => _watches.Dispose();

    private async Task<Resolution> LookupAsync(string service, CancellationToken cancellationToken)
    {
        var query = _queryNameOf(service);
        var response = await QueryAsync(query, QueryType.SRV, cancellationToken).ConfigureAwait(false);
        var records = response.Answers.SrvRecords().Where(r => r.Target.Value != ".").ToList();
        if (records.Count == 0)
        {
            return new Resolution([], NegativeTtl(response), null);
        }

        var ttl = records.Min(r => r.TimeToLive);
        var endpoints = new List<Uri>();
        var additional = response.Additionals.OfType<AddressRecord>().ToList();
        foreach (var priority in records.GroupBy(r => r.Priority).OrderBy(g => g.Key))
        {
            var ordered = priority.OrderByDescending(r => r.Weight).ThenBy(r => r.Target.Value, StringComparer.OrdinalIgnoreCase).ThenBy(r => r.Port);
            foreach (var record in ordered)
            {
                var target = record.Target.Value.TrimEnd('.');
                if (!_resolveTargets)
                {
                    Add(endpoints, target, record.Port);
                    continue;
                }

                var addresses = additional.Where(a => a.DomainName.Value.Equals(record.Target.Value, StringComparison.OrdinalIgnoreCase)).ToList();
                if (addresses.Count == 0)
                {
                    addresses = await LookupAddressesAsync(record.Target.Value, cancellationToken).ConfigureAwait(false);
                }

                if (addresses.Count > 0)
                {
                    ttl = Math.Min(ttl, addresses.Min(a => a.TimeToLive));
                }

                foreach (var address in addresses.Select(a => a.Address).OrderBy(a => a.AddressFamily).ThenBy(a => a.ToString(), StringComparer.Ordinal))
                {
                    Add(endpoints, address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString(), record.Port);
                }
            }

            if (endpoints.Count > 0)
            {
                break; // the lowest priority with an endpoint wins; higher ones are backups
            }
        }

        if (endpoints.Count > _maxEndpoints)
        {
            Log.TooManyEndpoints(_logger, service, query, endpoints.Count, _maxEndpoints);
            endpoints.RemoveRange(_maxEndpoints, endpoints.Count - _maxEndpoints);
        }

        return new Resolution(endpoints, Clamp(TimeSpan.FromSeconds(ttl)), null);
    }

    /// <summary>The A and AAAA records of <paramref name="target"/>.</summary>
    private async Task<List<AddressRecord>> LookupAddressesAsync(string target, CancellationToken cancellationToken)
    {
        var result = new List<AddressRecord>();
        foreach (var type in (QueryType[])[QueryType.A, QueryType.AAAA])
        {
            var response = await QueryAsync(target, type, cancellationToken).ConfigureAwait(false);
            result.AddRange(response.Answers.OfType<AddressRecord>().Where(a => a.DomainName.Value.Equals(target, StringComparison.OrdinalIgnoreCase)));
        }

        return result;
    }

    /// <summary>One query. A name that does not exist is an answer (with no records); any other error code throws a
    /// <see cref="DnsResponseException"/>, as DnsClient does for a timeout.</summary>
    private async Task<IDnsQueryResponse> QueryAsync(string name, QueryType type, CancellationToken cancellationToken)
    {
        var response = await _client.QueryAsync(name, type, QueryClass.IN, cancellationToken).ConfigureAwait(false);
        if (!response.HasError)
        {
            return response;
        }

        var code = response.Header.ResponseCode;
        return code == DnsHeaderResponseCode.NotExistentDomain
            ? response
            : throw new DnsResponseException((DnsResponseCode)(int)code, $"DNS answered {code} to the {type} query for '{name}'.");
    }

    /// <summary>How long "no such service" is believed: the SOA's TTL when the server sent one (RFC 2308), within the bounds.</summary>
    private TimeSpan NegativeTtl(IDnsQueryResponse response) =>
        response.Authorities.OfType<SoaRecord>().FirstOrDefault() is { } soa
            ? Clamp(TimeSpan.FromSeconds(Math.Min(soa.TimeToLive, (long)soa.Minimum)))
            : _minTtl;

    private TimeSpan Clamp(TimeSpan ttl) => ttl < _minTtl ? _minTtl : ttl > _maxTtl ? _maxTtl : ttl;

    private void Add(List<Uri> endpoints, string host, int port)
    {
        var uri = new UriBuilder(_scheme, host, port, _path).Uri;
        if (!endpoints.Contains(uri))
        {
            endpoints.Add(uri);
        }
    }
}
