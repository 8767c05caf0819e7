using Microsoft.Extensions.Options;

namespace Cortex.Mcp.Fast.Hosting;

/// <summary>
/// Reports what <see cref="Configuration.ClientOptionsBuilder"/> found: every rule the option setters enforce (the
/// setters themselves ran), unknown keys, values that do not parse, and the rules across settings, each naming its
/// configuration key. Registered with <c>ValidateOnStart</c>, so a bad value stops the host at start-up.
/// </summary>
internal sealed class McpClientHostingOptionsValidator : IValidateOptions<McpClientHostingOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, McpClientHostingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Build is not { } build)
        {
            return ValidateOptionsResult.Skip; // options of a name no AddNetworkMcpClient call registered
        }

        return build.Errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(build.Errors);
    }
}
