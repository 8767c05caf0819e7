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

    /// <summary><c>elicitation</c>: we answer <c>elicitation/create</c>.</summary>
    Elicitation = 8,
}

/// <summary>
/// Who we say we are (<c>clientInfo</c>) and what we declare (<c>capabilities</c>), encoded once so every request
/// can write them without allocating.
/// </summary>
internal sealed class McpClientIdentity
{
    /// <summary>Creates the identity and pre-encodes it.</summary>
    public McpClientIdentity(string name, string version, McpClientCapabilities capabilities = McpClientCapabilities.None)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(version);
        Name = name;
        Version = version;
        Capabilities = capabilities;
        EncodedName = JsonEncodedText.Encode(name);
        EncodedVersion = JsonEncodedText.Encode(version);
        CapabilitiesJson = EncodeCapabilities(capabilities);
    }

    /// <summary><c>clientInfo.name</c>.</summary>
    public string Name { get; }

    /// <summary><c>clientInfo.version</c>.</summary>
    public string Version { get; }

    /// <summary>Declared capabilities.</summary>
    public McpClientCapabilities Capabilities { get; }

    /// <summary>Pre-escaped name.</summary>
    internal JsonEncodedText EncodedName { get; }

    /// <summary>Pre-escaped version.</summary>
    internal JsonEncodedText EncodedVersion { get; }

    /// <summary>The <c>capabilities</c> object as UTF-8 JSON, e.g. <c>{"roots":{"listChanged":true},"sampling":{}}</c>.</summary>
    internal byte[] CapabilitiesJson { get; }

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

            if ((capabilities & McpClientCapabilities.Elicitation) != 0)
            {
                // Spec (2025-11-25 elicitation): "an empty object ... is equivalent to declaring support for form mode only".
                json.WriteStartObject("elicitation"u8);
                json.WriteEndObject();
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
