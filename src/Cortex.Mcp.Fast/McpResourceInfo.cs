using System.Text.Json;

namespace Cortex.Mcp.Fast;

/// <summary>One resource an MCP server lists (<c>resources/list</c>).</summary>
public sealed class McpResourceInfo
{
    internal McpResourceInfo(string uri, string name)
    {
        Uri = uri;
        Name = name;
    }

    /// <summary>Gets the resource's URI, as passed to <see cref="NetworkMcpClient.GetResourceAsync(string, string, CancellationToken)"/>.</summary>
    public string Uri { get; }

    /// <summary>Gets the resource's name.</summary>
    public string Name { get; }

    /// <summary>Gets the human-readable title, when given.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets the description, when given.</summary>
    public string? Description { get; internal init; }

    /// <summary>Gets the MIME type, when given.</summary>
    public string? MimeType { get; internal init; }

    /// <summary>Gets the size in bytes, when given.</summary>
    public long? Size { get; internal init; }

    /// <summary>Gets the <c>annotations</c> object (audience, priority, lastModified), when given; detached.</summary>
    public JsonElement? Annotations { get; internal init; }

    /// <summary>Gets the <c>_meta</c> object, when given; detached.</summary>
    public JsonElement? Meta { get; internal init; }
}

/// <summary>One resource template an MCP server lists (<c>resources/templates/list</c>).</summary>
public sealed class McpResourceTemplateInfo
{
    internal McpResourceTemplateInfo(string uriTemplate, string name)
    {
        UriTemplate = uriTemplate;
        Name = name;
    }

    /// <summary>Gets the RFC 6570 URI template.</summary>
    public string UriTemplate { get; }

    /// <summary>Gets the template's name.</summary>
    public string Name { get; }

    /// <summary>Gets the human-readable title, when given.</summary>
    public string? Title { get; internal init; }

    /// <summary>Gets the description, when given.</summary>
    public string? Description { get; internal init; }

    /// <summary>Gets the MIME type of the resources it names, when given.</summary>
    public string? MimeType { get; internal init; }

    /// <summary>Gets the <c>annotations</c> object, when given; detached.</summary>
    public JsonElement? Annotations { get; internal init; }

    /// <summary>Gets the <c>_meta</c> object, when given; detached.</summary>
    public JsonElement? Meta { get; internal init; }
}
