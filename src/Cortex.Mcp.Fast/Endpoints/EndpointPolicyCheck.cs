using System.Net;
using System.Net.Sockets;

namespace Cortex.Mcp.Fast.Endpoints;

/// <summary>
/// The address rules of <see cref="EndpointPolicy.PublicOnly"/>: which addresses (and which host names that need no
/// DNS to be known as local) an endpoint may not point at. Pure functions, no I/O.
/// </summary>
internal static class EndpointPolicyCheck
{
    /// <summary>
    /// Why <paramref name="address"/> (an absolute http or https URI) is refused under <paramref name="policy"/>, or
    /// null. A host name that is not an IP literal passes here (it is checked when a connection is opened), except
    /// <c>localhost</c> and names under <c>.localhost</c>, which are loopback by definition (RFC 6761).
    /// </summary>
    public static string? Check(Uri address, EndpointPolicy policy)
    {
        if (policy == EndpointPolicy.Any)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(address.UserInfo))
        {
            return "the endpoint carries user information.";
        }

        var host = address.IdnHost;
        if (address.HostNameType is UriHostNameType.IPv4 or UriHostNameType.IPv6 && IPAddress.TryParse(host, out var ip))
        {
            return Check(ip, policy);
        }

        var name = host.TrimEnd('.');
        return name.Equals("localhost", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase)
            ? "the endpoint's host is loopback (localhost)."
            : null;
    }

    /// <summary>Why <paramref name="address"/> is refused under <paramref name="policy"/>, or null.</summary>
    public static string? Check(IPAddress address, EndpointPolicy policy)
    {
        if (policy == EndpointPolicy.Any)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => CheckV4(address),
            AddressFamily.InterNetworkV6 => CheckV6(address),
            _ => "the endpoint's address family is not IPv4 or IPv6.",
        };
    }

    private static string? CheckV4(IPAddress address)
    {
        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] switch
        {
            0 => "the endpoint's address is unspecified (0.0.0.0/8).",
            127 => "the endpoint's address is loopback (127.0.0.0/8).",
            10 => "the endpoint's address is private (10.0.0.0/8, RFC 1918).",
            172 when b[1] is >= 16 and <= 31 => "the endpoint's address is private (172.16.0.0/12, RFC 1918).",
            192 when b[1] == 168 => "the endpoint's address is private (192.168.0.0/16, RFC 1918).",
            169 when b[1] == 254 => "the endpoint's address is link-local (169.254.0.0/16, cloud metadata included).",
            100 when b[1] is >= 64 and <= 127 => "the endpoint's address is shared address space (100.64.0.0/10).",
            >= 224 => "the endpoint's address is multicast or reserved (224.0.0.0/3).",
            _ => null,
        };
    }

    private static string? CheckV6(IPAddress address)
    {
        if (address.Equals(IPAddress.IPv6None) || address.Equals(IPAddress.IPv6Any))
        {
            return "the endpoint's address is unspecified (::).";
        }

        if (IPAddress.IsLoopback(address))
        {
            return "the endpoint's address is loopback (::1).";
        }

        if (address.IsIPv6LinkLocal)
        {
            return "the endpoint's address is link-local (fe80::/10).";
        }

        if (address.IsIPv6UniqueLocal)
        {
            return "the endpoint's address is private (fc00::/7, RFC 4193).";
        }

        if (address.IsIPv6SiteLocal)
        {
            return "the endpoint's address is site-local (fec0::/10).";
        }

        return address.IsIPv6Multicast ? "the endpoint's address is multicast (ff00::/8)." : null;
    }
}
