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
    /// <param name="staticHeaders">The service's own headers, or null: a call may not send one of them again (the
    /// direct engine has them encoded already, and two values of one header are ambiguous).</param>
    /// <exception cref="TransportFailure">A refused request (nothing sent): an <c>Authorization</c> header for a
    /// service whose token provider owns it, or a header the service already sends.</exception>
    public static KeyValuePair<string, string>[]? Check(KeyValuePair<string, string>[]? headers, bool hasBearerProvider, RequestHeaders? staticHeaders = null)
    {
        if (headers is null)
        {
            return null;
        }

        foreach (var (name, _) in headers)
        {
            if (hasBearerProvider && name.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
            {
                throw TransportFailure.Refused("the call's headers set Authorization, which the service's Http.BearerTokenProvider owns.");
            }

            if (staticHeaders is { Count: > 0 } && staticHeaders.Contains(name))
            {
                throw TransportFailure.Refused($"the call's headers set {name}, which the service's Http.Headers already sends.");
            }
        }

        return headers;
    }
}
