namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>
/// How <see cref="MicrosoftServiceDiscovery"/> maps an MCP service name to a Microsoft.Extensions.ServiceDiscovery
/// lookup.
/// </summary>
/// <remarks>
/// <para>A service's address is an absolute URI whose scheme is <c>http</c>, <c>https</c> or both joined by
/// <c>+</c> in order of preference (Aspire's <c>https+http://</c>), whose host is the name the resolver knows (for the
/// configuration provider, <c>Services:{host}:{endpoint}</c>; <c>_name.host</c> picks a named endpoint), and whose
/// path is kept: <c>https+http://catalog/mcp</c> resolved to <c>https://10.0.0.5:8443</c> gives
/// <c>https://10.0.0.5:8443/mcp</c> (the path also lets <see cref="McpProtocol.Auto"/> choose Streamable HTTP).</para>
/// <para>A service with no entry in <see cref="Addresses"/> is looked up as <c>{DefaultScheme}://{service}</c>.</para>
/// </remarks>
public sealed class MicrosoftServiceDiscoveryOptions
{
    private string _defaultScheme = "https+http";
    private TimeSpan _refreshPeriod = TimeSpan.FromSeconds(60);

    /// <summary>Gets the address of each MCP service, by service name, for example
    /// <c>Addresses["catalog"] = "https+http://catalog/mcp"</c>. Checked when the discovery is built.</summary>
    public IDictionary<string, string> Addresses { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Gets or sets the scheme of a service that has no entry in <see cref="Addresses"/>:
    /// <c>http</c>, <c>https</c>, or both joined by <c>+</c>, most preferred first.</summary>
    /// <value>The default value is <c>https+http</c> (https endpoints when there are any, else http).</value>
    /// <exception cref="ArgumentException">The value is not such a scheme.</exception>
    public string DefaultScheme
    {
        get => _defaultScheme;
        set
        {
            ArgumentException.ThrowIfNullOrEmpty(value);
            if (value.Split('+').Any(s => s != Uri.UriSchemeHttp && s != Uri.UriSchemeHttps))
            {
                throw new ArgumentException("DefaultScheme must be http, https, or both joined by '+' (https+http).", nameof(value));
            }

            _defaultScheme = value;
        }
    }

    /// <summary>Gets or sets how often a service is resolved again when its source offers no change notification
    /// (a change token without callbacks), and how long after a failed re-resolution the next try starts.</summary>
    /// <value>The default value is 60 seconds. Must be positive.</value>
    /// <exception cref="ArgumentOutOfRangeException">The value is not positive.</exception>
    public TimeSpan RefreshPeriod
    {
        get => _refreshPeriod;
        set => _refreshPeriod = value > TimeSpan.Zero
            ? value
            : throw new ArgumentOutOfRangeException(nameof(value), value, "RefreshPeriod must be positive.");
    }
}
