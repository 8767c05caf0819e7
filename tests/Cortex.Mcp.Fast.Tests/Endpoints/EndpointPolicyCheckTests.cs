using System.Net;
using Cortex.Mcp.Fast.Endpoints;

namespace Cortex.Mcp.Fast.Tests.Endpoints;

/// <summary>The address rules of <see cref="EndpointPolicy.PublicOnly"/> (fault matrix row 35), and that the default allows everything.</summary>
public sealed class EndpointPolicyCheckTests
{
    [Theory]
    [InlineData("http://127.0.0.1:9000/", "loopback")]
    [InlineData("http://127.8.9.10/", "loopback")]
    [InlineData("http://[::1]:9000/", "loopback")]
    [InlineData("http://localhost:9000/", "loopback")]
    [InlineData("http://api.localhost/", "loopback")]
    [InlineData("http://10.1.2.3/", "private")]
    [InlineData("http://172.16.0.1/", "private")]
    [InlineData("http://172.31.255.255/", "private")]
    [InlineData("http://192.168.1.1/", "private")]
    [InlineData("http://[fd00::1]/", "private")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://[fe80::1]/", "link-local")]
    [InlineData("http://0.0.0.0:80/", "unspecified")]
    [InlineData("http://[::]/", "unspecified")]
    [InlineData("http://[::ffff:169.254.169.254]/", "link-local")]
    [InlineData("http://[::ffff:10.0.0.1]/", "private")]
    [InlineData("http://100.64.0.1/", "shared")]
    [InlineData("http://224.0.0.1/", "multicast")]
    [InlineData("http://user:secret@93.184.216.34/", "user information")]
    public void PublicOnly_RefusesInternalAddresses_SayingWhy(string endpoint, string why)
    {
        var reason = EndpointPolicyCheck.Check(new Uri(endpoint), EndpointPolicy.PublicOnly);

        Assert.NotNull(reason);
        Assert.Contains(why, reason, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://93.184.216.34/")]
    [InlineData("https://[2606:2800:220:1:248:1893:25c8:1946]/mcp")]
    [InlineData("http://172.15.0.1/")]
    [InlineData("http://172.32.0.1/")]
    [InlineData("http://memory-service:9000/")] // a name: checked when it is dialled
    public void PublicOnly_AllowsPublicAddressesAndNames(string endpoint) =>
        Assert.Null(EndpointPolicyCheck.Check(new Uri(endpoint), EndpointPolicy.PublicOnly));

    [Theory]
    [InlineData("http://127.0.0.1:9000/")]
    [InlineData("http://169.254.169.254/")]
    [InlineData("http://localhost/")]
    public void Any_TheDefault_AllowsLoopbackAndPrivate(string endpoint)
    {
        Assert.Equal(EndpointPolicy.Any, new McpServiceOptions().EndpointPolicy);
        Assert.Null(EndpointPolicyCheck.Check(new Uri(endpoint), EndpointPolicy.Any));
        Assert.Null(EndpointPolicyCheck.Check(IPAddress.Parse(new Uri(endpoint).Host is "localhost" ? "127.0.0.1" : new Uri(endpoint).Host), EndpointPolicy.Any));
    }

    [Fact]
    public void Option_RefusesAnUndefinedValue_AndSnapshotCopiesIt()
    {
        var options = new McpServiceOptions();
        Assert.Throws<ArgumentOutOfRangeException>(() => options.EndpointPolicy = (EndpointPolicy)7);

        options.EndpointPolicy = EndpointPolicy.PublicOnly;
        Assert.Equal(EndpointPolicy.PublicOnly, options.Snapshot().EndpointPolicy);
    }
}
