using System.Buffers;
using System.Text.Json;

namespace Cortex.Mcp.Fast.Transports.StreamableHttp;

/// <summary>Client capabilities we may declare. Each one obliges us to answer the matching server requests.</summary>
[Flags]
internal enum McpClientCapabilities
{
    /// <summary>Nothing declared: the server must not send sampling, elicitation or roots requests.</summary>
    None = 0,

    /// <summary><c>roots</c>: we answer <c>roots/list</c>.</summary>
    Roots = 1,

    /// <summary><c>roots.listChanged</c>: we send <c>notifications/roots/list_changed</c>.</summary>
    RootsListChanged = 2,

    /// <summary><c>sampling</c>: we answer <c>sampling/createMessage</c>.</summary>
    Sampling = 4,

    /// <summary><c>elicitation</c> in form mode: we answer <c>elicitation/create</c> with a form.</summary>
    Elicitation = 8,

    /// <summary><c>elicitation.url</c>: we answer <c>elicitation/create</c> in URL mode.</summary>
    ElicitationUrl = 16,
}

/// <summary>
/// Who we say we are (<c>clientInfo</c>) and what we declare (<c>capabilities</c>), encoded once so every request
/// can write them without allocating.
/// </summary>
internal sealed class McpClientIdentity
{
    /// <summary>Creates the identity and pre-encodes it.</summary>
    public McpClientIdentity(string name, string version, McpClientCapabilities capabilities = McpClientCapabilities.None, string? title = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        Name = name;
        Version = version;
        Title = title;
        Capabilities = capabilities;
        EncodedName = JsonEncodedText.Encode(name);
        EncodedVersion = JsonEncodedText.Encode(version);
        EncodedTitle = title is null ? null : JsonEncodedText.Encode(title);
        CapabilitiesJson = EncodeCapabilities(capabilities);
    }

    /// <summary><c>clientInfo.name</c>.</summary>
    public string Name { get; }

    /// <summary><c>clientInfo.version</c>.</summary>
    public string Version { get; }

    /// <summary><c>clientInfo.title</c>, or null (not sent).</summary>
    public string? Title { get; }

    /// <summary>Declared capabilities.</summary>
    public McpClientCapabilities Capabilities { get; }

    /// <summary>Pre-escaped name.</summary>
    internal JsonEncodedText EncodedName { get; }

    /// <summary>Pre-escaped version.</summary>
    internal JsonEncodedText EncodedVersion { get; }

    /// <summary>Pre-escaped title, or null.</summary>
    internal JsonEncodedText? EncodedTitle { get; }

    /// <summary>The <c>capabilities</c> object as UTF-8 JSON, e.g. <c>{"roots":{"listChanged":true},"sampling":{}}</c>.</summary>
    internal byte[] CapabilitiesJson { get; }

    /// <summary>
    /// The identity configured in <paramref name="options"/>, declaring exactly the capabilities it has handlers for:
    /// roots (with listChanged, which <see cref="NetworkMcpClient.NotifyRootsChangedAsync"/> sends), sampling, and
    /// elicitation in the configured modes.
    /// </summary>
    public static McpClientIdentity From(McpOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var capabilities = McpClientCapabilities.None;
        if (options.RootsHandler is not null)
        {
            capabilities |= McpClientCapabilities.Roots | McpClientCapabilities.RootsListChanged;
        }

        if (options.SamplingHandler is not null)
        {
            capabilities |= McpClientCapabilities.Sampling;
        }

        if (options.ElicitationHandler is not null)
        {
            if ((options.ElicitationModes & McpElicitationModes.Form) != 0)
            {
                capabilities |= McpClientCapabilities.Elicitation;
            }

            if ((options.ElicitationModes & McpElicitationModes.Url) != 0)
            {
                capabilities |= McpClientCapabilities.ElicitationUrl;
            }
        }

        return new McpClientIdentity(options.ClientName, options.ClientVersion, capabilities, options.ClientTitle);
    }

    private static byte[] EncodeCapabilities(McpClientCapabilities capabilities)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if ((capabilities & (McpClientCapabilities.Roots | McpClientCapabilities.RootsListChanged)) != 0)
            {
                json.WriteStartObject("roots"u8);
                if ((capabilities & McpClientCapabilities.RootsListChanged) != 0)
                {
                    json.WriteBoolean("listChanged"u8, true);
                }

                json.WriteEndObject();
            }

            if ((capabilities & McpClientCapabilities.Sampling) != 0)
            {
                json.WriteStartObject("sampling"u8);
                json.WriteEndObject();
            }

            var form = (capabilities & McpClientCapabilities.Elicitation) != 0;
            var url = (capabilities & McpClientCapabilities.ElicitationUrl) != 0;
            if (form || url)
            {
                // Spec (2025-11-25 elicitation): "an empty object ... is equivalent to declaring support for form
                // mode only", which is also all that 2025-06-18 servers understand; URL mode is named explicitly.
                json.WriteStartObject("elicitation"u8);
                if (url)
                {
                    if (form)
                    {
                        json.WriteStartObject("form"u8);
                        json.WriteEndObject();
                    }

                    json.WriteStartObject("url"u8);
                    json.WriteEndObject();
                }

                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
