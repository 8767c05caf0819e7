using System.Runtime.CompilerServices;
using Cortex.Mcp.Fast.Operations;

namespace Cortex.Mcp.Fast;

/// <summary>
/// The paginated lists of an MCP service: tools, resources, resource templates, prompts. Each comes three ways: one
/// page (<c>List…PageAsync</c>, with the server's cursor), a lazy <see cref="IAsyncEnumerable{T}"/> that asks for the
/// next page only when the caller reaches it (<c>Enumerate…Async</c>), and a bounded collection of every page
/// (<c>List…Async</c>, at most <see cref="McpRequestOptions.MaxListItems"/> items).
/// </summary>
/// <remarks>Each page is one request through the service's dispatcher: breaker, call deadline and typed errors as for
/// every operation. MCP Streamable HTTP services only: a REST service fails with a <see cref="ServiceCallException"/>
/// whose <see cref="ServiceCallException.RequestNotSent"/> is true. A server that repeats a cursor or sends more than
/// <see cref="McpRequestOptions.MaxListPages"/> pages gets a <see cref="ServiceProtocolException"/>.</remarks>
public sealed partial class NetworkMcpClient
{
    /// <summary>Reads one page of <c>tools/list</c> (not cached; <see cref="ListToolsAsync"/> is).</summary>
    /// <param name="service">The service name, resolved through discovery.</param>
    /// <param name="cursor">The previous page's <see cref="McpPage{T}.NextCursor"/>, or null for the first page.</param>
    /// <param name="options">Per-request <c>_meta</c> and trace context; null for the defaults.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="ServiceCallException">The service does not speak MCP, or the request failed.</exception>
    public ValueTask<McpPage<McpToolInfo>> ListToolsPageAsync(string service, string? cursor = null, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(service, new McpRequest(McpMethodName.ToolsList, null, options), cursor, McpParams.List, McpResultParsers.ToolsPage, cancellationToken);

    /// <summary>Enumerates every tool, reading the next page only when the caller reaches it.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public IAsyncEnumerable<McpToolInfo> EnumerateToolsAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        EnumerateAsync(service, McpMethodName.ToolsList, McpResultParsers.ToolsPage, options, cancellationToken);

    /// <summary>Reads one page of <c>resources/list</c>.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param|/exception"/>
    public ValueTask<McpPage<McpResourceInfo>> ListResourcesPageAsync(string service, string? cursor = null, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(service, new McpRequest(McpMethodName.ResourcesList, null, options), cursor, McpParams.List, McpResultParsers.ResourcesPage, cancellationToken);

    /// <summary>Enumerates every resource, reading the next page only when the caller reaches it.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public IAsyncEnumerable<McpResourceInfo> EnumerateResourcesAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        EnumerateAsync(service, McpMethodName.ResourcesList, McpResultParsers.ResourcesPage, options, cancellationToken);

    /// <summary>Reads every page of <c>resources/list</c>, up to <see cref="McpRequestOptions.MaxListItems"/> resources.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public ValueTask<IReadOnlyList<McpResourceInfo>> ListResourcesAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        CollectAsync(service, McpMethodName.ResourcesList, McpResultParsers.ResourcesPage, options, cancellationToken);

    /// <summary>Reads one page of <c>resources/templates/list</c>.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param|/exception"/>
    public ValueTask<McpPage<McpResourceTemplateInfo>> ListResourceTemplatesPageAsync(string service, string? cursor = null, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(service, new McpRequest(McpMethodName.ResourceTemplatesList, null, options), cursor, McpParams.List, McpResultParsers.ResourceTemplatesPage, cancellationToken);

    /// <summary>Enumerates every resource template, reading the next page only when the caller reaches it.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public IAsyncEnumerable<McpResourceTemplateInfo> EnumerateResourceTemplatesAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        EnumerateAsync(service, McpMethodName.ResourceTemplatesList, McpResultParsers.ResourceTemplatesPage, options, cancellationToken);

    /// <summary>Reads every page of <c>resources/templates/list</c>, up to <see cref="McpRequestOptions.MaxListItems"/> templates.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public ValueTask<IReadOnlyList<McpResourceTemplateInfo>> ListResourceTemplatesAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        CollectAsync(service, McpMethodName.ResourceTemplatesList, McpResultParsers.ResourceTemplatesPage, options, cancellationToken);

    /// <summary>Reads one page of <c>prompts/list</c>.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param|/exception"/>
    public ValueTask<McpPage<McpPromptInfo>> ListPromptsPageAsync(string service, string? cursor = null, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        SendAsync(service, new McpRequest(McpMethodName.PromptsList, null, options), cursor, McpParams.List, McpResultParsers.PromptsPage, cancellationToken);

    /// <summary>Enumerates every prompt, reading the next page only when the caller reaches it.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public IAsyncEnumerable<McpPromptInfo> EnumeratePromptsAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        EnumerateAsync(service, McpMethodName.PromptsList, McpResultParsers.PromptsPage, options, cancellationToken);

    /// <summary>Reads every page of <c>prompts/list</c>, up to <see cref="McpRequestOptions.MaxListItems"/> prompts.</summary>
    /// <inheritdoc cref="ListToolsPageAsync" path="/param[@name='service']|/param[@name='options']|/param[@name='cancellationToken']|/exception"/>
    public ValueTask<IReadOnlyList<McpPromptInfo>> ListPromptsAsync(string service, McpRequestOptions? options = null, CancellationToken cancellationToken = default) =>
        CollectAsync(service, McpMethodName.PromptsList, McpResultParsers.PromptsPage, options, cancellationToken);

    private async IAsyncEnumerable<T> EnumerateAsync<T>(string service, McpMethodName method, McpResultParser<McpPage<T>> parse, McpRequestOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new McpRequest(method, null, options);
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await NextPageAsync(service, request, cursor, ++pages, parse, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Items)
            {
                yield return item;
            }

            cursor = page.NextCursor;
        }
        while (cursor is not null);
    }

    private async ValueTask<IReadOnlyList<T>> CollectAsync<T>(string service, McpMethodName method, McpResultParser<McpPage<T>> parse, McpRequestOptions? options, CancellationToken cancellationToken)
    {
        var request = new McpRequest(method, null, options);
        var max = request.Options.MaxListItems;
        List<T>? items = null;
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await NextPageAsync(service, request, cursor, ++pages, parse, cancellationToken).ConfigureAwait(false);
            if ((items?.Count ?? 0) + page.Items.Count > max)
            {
                throw ListFailure(service, method, $"the server listed more than {max} items (McpRequestOptions.MaxListItems).");
            }

            if (items is null && page.NextCursor is null)
            {
                return page.Items; // one page: no copy
            }

            (items ??= []).AddRange(page.Items);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return items.AsReadOnly();
    }

    /// <summary>Reads page number <paramref name="page"/> (1-based) from <paramref name="cursor"/>, within the page bound.</summary>
    private async ValueTask<McpPage<T>> NextPageAsync<T>(string service, McpRequest request, string? cursor, int page, McpResultParser<McpPage<T>> parse, CancellationToken cancellationToken)
    {
        if (page > request.Options.MaxListPages)
        {
            throw ListFailure(service, request.Method, $"the server sent more than {request.Options.MaxListPages} pages (McpRequestOptions.MaxListPages).");
        }

        var result = await SendAsync(service, request, cursor, McpParams.List, parse, cancellationToken).ConfigureAwait(false);
        if (result.NextCursor is { } next && next == cursor)
        {
            // A cursor that does not move would page forever.
            throw ListFailure(service, request.Method, "the server answered a page with the cursor it was asked for.");
        }

        return result;
    }
}
