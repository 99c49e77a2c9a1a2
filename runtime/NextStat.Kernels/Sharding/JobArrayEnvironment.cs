namespace NextStat.Kernels.Sharding;

/// <summary>A job's place in a job array: its 1-based id and the number of jobs.</summary>
/// <param name="JobId">The job id, 1 … <paramref name="TotalJobs"/>.</param>
/// <param name="TotalJobs">The number of jobs in the array.</param>
/// <param name="Source">Where the numbers came from (command line, SLURM, HTCondor), for messages.</param>
public sealed record JobAssignment(int JobId, int TotalJobs, string Source)
{
    /// <summary>The block of <paramref name="total"/> items this job runs.</summary>
    public ShardRange RangeFor(long total) => ShardRange.For(total, JobId, TotalJobs);
}

/// <summary>
/// Finds which job of an array the current process is: from explicit <c>--job-id/--total-jobs</c>, an HTCondor
/// <c>$(Process)</c> number, or SLURM's array variables.
/// </summary>
public static class JobArrayEnvironment
{
    /// <summary>
    /// Resolves the assignment. Explicit values win; both or neither of <paramref name="jobId"/> and
    /// <paramref name="totalJobs"/> must be given. A <paramref name="condorProcess"/> (0-based, as HTCondor's
    /// <c>$(Process)</c>) needs <paramref name="totalJobs"/>. Otherwise SLURM's variables are read through
    /// <paramref name="getVariable"/>; when no array is found the result is <see langword="null"/> (one job).
    /// </summary>
    /// <exception cref="ArgumentException">Inconsistent or out-of-range values, named in the message.</exception>
    public static JobAssignment? Resolve(int? jobId, int? totalJobs, int? condorProcess, Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);

        if (condorProcess is int process)
        {
            if (jobId is not null)
            {
                throw new ArgumentException("give either --job-id or --condor-process, not both");
            }
            if (totalJobs is not int condorTotal)
            {
                throw new ArgumentException("--condor-process needs --total-jobs (the N of 'queue N')");
            }
            if (process < 0 || process >= condorTotal)
            {
                throw new ArgumentException($"--condor-process must be in 0..{condorTotal - 1} (0-based $(Process)) for --total-jobs {condorTotal}, got {process}");
            }
            return Validated(process + 1, condorTotal, "HTCondor $(Process)");
        }

        if (jobId is not null || totalJobs is not null)
        {
            if (jobId is not int id || totalJobs is not int total)
            {
                throw new ArgumentException("--job-id and --total-jobs must be given together");
            }
            return Validated(id, total, "--job-id/--total-jobs");
        }

        return FromSlurm(getVariable);
    }

    /// <summary>
    /// The assignment of a SLURM array task, or <see langword="null"/> outside an array. The shard is the task's
    /// position in the array, <c>(SLURM_ARRAY_TASK_ID − SLURM_ARRAY_TASK_MIN) / SLURM_ARRAY_TASK_STEP + 1</c>, so
    /// arrays such as <c>--array=0-6:2</c> map onto jobs 1 … 4.
    /// </summary>
    public static JobAssignment? FromSlurm(Func<string, string?> getVariable)
    {
        ArgumentNullException.ThrowIfNull(getVariable);

        string? idText = getVariable("SLURM_ARRAY_TASK_ID");
        if (string.IsNullOrWhiteSpace(idText))
        {
            return null;
        }

        long id = ReadSlurm(getVariable, "SLURM_ARRAY_TASK_ID", null);
        long count = ReadSlurm(getVariable, "SLURM_ARRAY_TASK_COUNT", null);
        long min = ReadSlurm(getVariable, "SLURM_ARRAY_TASK_MIN", null);
        long step = ReadSlurm(getVariable, "SLURM_ARRAY_TASK_STEP", 1);
        if (step < 1)
        {
            throw new ArgumentException($"SLURM_ARRAY_TASK_STEP must be at least 1, got {step}");
        }
        if (id < min || (id - min) % step != 0)
        {
            throw new ArgumentException($"SLURM_ARRAY_TASK_ID {id} is not on the array's grid MIN {min}, STEP {step}");
        }
        if (count < 1 || count > int.MaxValue)
        {
            throw new ArgumentException($"SLURM_ARRAY_TASK_COUNT must be a positive job count, got {count}");
        }

        long position = (id - min) / step + 1;
        if (position > count)
        {
            throw new ArgumentException(
                $"SLURM_ARRAY_TASK_ID {id} is task {position} of an array of SLURM_ARRAY_TASK_COUNT {count} (MIN {min}, STEP {step}); " +
                "arrays with gaps (e.g. --array=1,5,9) are not supported: use a range with a step");
        }
        return Validated((int)position, (int)count, "SLURM array");
    }

    private static long ReadSlurm(Func<string, string?> getVariable, string name, long? fallback)
    {
        string? text = getVariable(name);
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback ?? throw new ArgumentException($"SLURM_ARRAY_TASK_ID is set but {name} is not");
        }
        if (!long.TryParse(text, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out long value))
        {
            throw new ArgumentException($"{name} must be an integer, got '{text}'");
        }
        return value;
    }

    private static JobAssignment Validated(int jobId, int totalJobs, string source)
    {
        if (totalJobs < 1)
        {
            throw new ArgumentException($"the total job count must be at least 1, got {totalJobs} (from {source})");
        }
        if (jobId < 1 || jobId > totalJobs)
        {
            throw new ArgumentException($"the job id must be in 1..{totalJobs}, got {jobId} (from {source})");
        }
        return new JobAssignment(jobId, totalJobs, source);
    }
}
