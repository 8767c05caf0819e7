using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Transports.Http;

/// <summary>The rule for a call's own headers that depends on the service: who owns <c>Authorization</c>.</summary>
internal static class CallHeaders
{
    /// <summary>
    /// Returns <paramref name="headers"/> when the service may send them, before any I/O.
    /// </summary>
    /// <param name="headers">The call's headers (already checked by <see cref="RequestHeaders"/>), or null.</param>
    /// <param name="hasBearerProvider">Whether the service has a <see cref="HttpOptions.BearerTokenProvider"/>.</param>
    /// <exception cref="TransportFailure">A refused request (nothing sent): an <c>Authorization</c> header for a
    /// service whose token provider owns it.</exception>
    public static KeyValuePair<string, string>[]? Check(KeyValuePair<string, string>[]? headers, bool hasBearerProvider)
    {
        if (headers is not null && hasBearerProvider)
        {
            foreach (var (name, _) in headers)
            {
                if (name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                {
                    throw TransportFailure.Refused("the call's headers set Authorization, which the service's Http.BearerTokenProvider owns.");
                }
            }
        }

        return headers;
    }
}
