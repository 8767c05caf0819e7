using System.Diagnostics;
using Cortex.Mcp.Fast.Errors;

namespace Cortex.Mcp.Fast.Dispatch;

/// <summary>
/// The worker loop: drains the channel, runs one attempt at a time, and parks on <see cref="WorkerSignal"/> when
/// there is nothing to do. A success that arrives on a reply's thread with nothing queued parks the worker and hands
/// the thread to the caller (<see cref="WorkerHandOff"/>); everything else settles through <c>FinishAttempt</c>.
/// </summary>
internal sealed partial class ServiceDispatcher
{
    private async Task RunWorkerAsync()
    {
        var reader = _channel.Reader;
        var waiter = new WorkerSignal.Waiter();
        var handOff = new WorkerHandOff();
        while (true)
        {
            while (reader.TryRead(out var item))
            {
                var call = item.Call;
                if (!call.TryStart(item.Version))
                {
                    continue; // an entry of a call that already ended: it counts for nothing
                }

                // Shed mode: a first attempt that waited too long in an overloaded queue is refused, not run; a retry
                // or a resumption (already accepted by the service) only counts as progress.
                if (_shedder is { } shedder)
                {
                    if (call.Attempts != 0)
                    {
                        shedder.NoteTaken();
                    }
                    else if (shedder.ShouldShed(call.StartTimestamp))
                    {
                        Refuse(call, item.Version, PendingCall.Running, ErrorFactory.QueueShed(ServiceName, call.Tool, _admission.Capacity));
                        continue;
                    }
                }

                // A resumed call continues on the endpoint (lease and permit) it was suspended on.
                var resumption = call.TakeResumption(out var endpoint, out var permit);
                if (resumption is null && !TryBeginAttempt(call, out endpoint, out permit))
                {
                    continue;
                }

                ToolResult? result = null;
                Exception? failure = null;
                var resumedOnReply = false;
                var traced = call.Activity;
                if (traced is not null)
                {
                    Activity.Current = traced; // the handler writes its W3C traceparent on the outgoing request
                }

                try
                {
                    var attempt = resumption is null
                        ? endpoint!.Transport.CallToolAsync(call.Tool, call.Arguments, call.Meta, call.Progress, call.Token)
                        : endpoint!.Transport.ResumeToolCallAsync(resumption, call.Token);
                    resumedOnReply = !attempt.IsCompleted;
                    result = await attempt.ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                finally
                {
                    if (traced is not null)
                    {
                        Activity.Current = null;
                    }
                }

                if (failure is null && resumedOnReply && _handOff && WorkerHandOff.CanPublishInline)
                {
                    // A success on the reply's thread: what the attempt held is released first; then, if nothing is
                    // queued, this loop parks and the caller continues on this thread (WorkerHandOff says why).
                    endpoint!.Breaker.RecordSuccess(in permit);
                    endpoint.Release();
                    if (!call.TryClaimResult())
                    {
                        result!.Dispose(); // ended meanwhile (deadline, cancellation, disposal): nobody takes it
                        continue;
                    }

                    var wait = _signal.WaitAsync(waiter);
                    if (wait.IsCompleted)
                    {
                        // Work is queued (or the signal closed): the caller hears the ordinary way, this loop drains on.
                        call.PublishClaimed(result!, inline: false);
                        if (!wait.Result)
                        {
                            return;
                        }

                        continue;
                    }

                    if (!await handOff.ParkThenPublish(wait, call, result!))
                    {
                        return;
                    }

                    continue;
                }

                FinishAttempt(call, endpoint!, in permit, result, failure);
            }

            if (!await _signal.WaitAsync(waiter).ConfigureAwait(false))
            {
                return; // closed: every call still queued was already completed by the shutdown signal
            }
        }
    }
}
