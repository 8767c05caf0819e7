using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.ServiceDiscovery;

namespace Cortex.Mcp.Fast.ServiceDiscovery;

/// <summary>
/// A service's address for Microsoft.Extensions.ServiceDiscovery, such as <c>https+http://catalog/mcp</c>: the
/// lookup (<c>https+http://catalog</c>, what <see cref="ServiceEndpointResolver"/> is asked), the schemes in order of
/// preference, and the path every resolved endpoint gets (<c>/mcp</c>).
/// </summary>
internal sealed class ServiceAddress
{
    private ServiceAddress(string lookup, string[] schemes, string path)
    {
        Lookup = lookup;
        Schemes = schemes;
        Path = path;
    }

    /// <summary>The resolver's service name: the address without its path (services on one host share a watcher).</summary>
    public string Lookup { get; }

    /// <summary>The schemes an endpoint may have, most preferred first (<c>https+http</c> gives https, http).</summary>
    public string[] Schemes { get; }

    /// <summary>The absolute path appended to every endpoint, <c>/</c> when the address has none.</summary>
    public string Path { get; }

    /// <summary>Parses <paramref name="address"/>.</summary>
    /// <exception cref="ArgumentException">The address is not an absolute URI whose scheme is <c>http</c>,
    /// <c>https</c> or a <c>+</c>-joined list of them, or it carries user information, a query or a fragment.</exception>
    public static ServiceAddress Parse(string service, string address)
    {
        if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Host.Length == 0)
        {
            throw new ArgumentException($"The address of service '{service}' must be an absolute URI such as https+http://{service}/mcp.", nameof(address));
        }

        var schemes = uri.Scheme.Split('+');
        if (schemes.Any(s => s != Uri.UriSchemeHttp && s != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"The address of service '{service}' has the scheme '{uri.Scheme}'; use http, https or both joined by '+' in order of preference (https+http).", nameof(address));
        }

        if (uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ArgumentException($"The address of service '{service}' must not carry user information, a query or a fragment.", nameof(address));
        }

        var lookup = uri.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);
        return new ServiceAddress(lookup, schemes, uri.AbsolutePath);
    }

    /// <summary>
    /// The endpoints of <paramref name="resolved"/> as absolute URIs, in the resolver's order without duplicates.
    /// A <see cref="UriEndPoint"/> keeps its own scheme, and only those with the most preferred scheme present are
    /// kept (https over http for <c>https+http</c>); a host and port (<see cref="DnsEndPoint"/>,
    /// <see cref="IPEndPoint"/>) takes the first scheme, as Aspire's HTTP handler does. Endpoints of another kind, or
    /// with a scheme the address does not allow, are left out.
    /// </summary>
    public IReadOnlyList<Uri> Map(IReadOnlyList<Microsoft.Extensions.ServiceDiscovery.ServiceEndpoint> resolved)
    {
        var best = Schemes.Length;
        foreach (var endpoint in resolved)
        {
            if (endpoint.EndPoint is UriEndPoint { Uri: { IsAbsoluteUri: true } uri })
            {
                var index = Array.IndexOf(Schemes, uri.Scheme);
                if (index >= 0 && index < best)
                {
                    best = index;
                }
            }
        }

        var result = new List<Uri>(resolved.Count);
        foreach (var endpoint in resolved)
        {
            var mapped = endpoint.EndPoint switch
            {
                UriEndPoint { Uri: { IsAbsoluteUri: true, UserInfo.Length: 0 } uri } when Array.IndexOf(Schemes, uri.Scheme) == best =>
                    Build(uri.Scheme, uri.Host, uri.IsDefaultPort ? -1 : uri.Port, uri.AbsolutePath),
                IPEndPoint ip => Build(Schemes[0], ip.Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{ip.Address}]" : ip.Address.ToString(), ip.Port, "/"),
                DnsEndPoint dns => Build(Schemes[0], dns.Host, dns.Port, "/"),
                _ => null,
            };
            if (mapped is not null && !result.Contains(mapped))
            {
                result.Add(mapped);
            }
        }

        return result;
    }

    private Uri? Build(string scheme, string host, int port, string basePath)
    {
        var builder = new UriBuilder(scheme, host, port > 0 ? port : -1, basePath.TrimEnd('/') + Path);
        return Uri.TryCreate(builder.ToString(), UriKind.Absolute, out var uri) ? uri : null;
    }
}
