namespace Cortex.Mcp.Fast.Errors;

/// <summary>What a caller was doing when a failure happened: it decides the exception family and the wording.</summary>
internal enum OperationKind : byte
{
    /// <summary>A tool call (the operation name is the tool).</summary>
    Tool,

    /// <summary>A resource read or stream (the operation name is the path or URI): failures are <see cref="ResourceStreamException"/>.</summary>
    Resource,

    /// <summary>A resource subscription (the operation name is the URI): failures are <see cref="ResourceStreamException"/>.</summary>
    Subscription,

    /// <summary>Any other request (tools/list and the like; the operation name is the method).</summary>
    Request,
}
