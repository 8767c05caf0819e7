namespace Cortex.Mcp.Fast.Tests.Transports.StreamableHttp.Support;

/// <summary>Runs a test body on a thread of its own (its thread-static slots start empty) and rethrows its failure
/// as an assertion on the test's thread.</summary>
internal static class OwnThread
{
    public static void Run(Action test)
    {
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                test();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(30)), "the test thread did not end");
        Assert.Null(failure);
    }
}
