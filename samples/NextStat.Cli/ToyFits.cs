using System.Globalization;
using NextStat.HistFactory;
using NextStat.Kernels.Batching;
using NextStat.Kernels.Fitting;
using NextStat.Kernels.Randomness;

namespace NextStat.Cli;

/// <summary>
/// Toy fits for <c>batch-fit</c>: pseudo-data drawn from the model at a generation point, then a free fit of each toy.
/// Each toy's draws come only from (seed, global index), through <see cref="ItemRandom"/>, so a toy is the same in
/// a single run, in any shard and after a resume.
/// </summary>
internal sealed class ToyFits
{
    private readonly HistFactoryModel _model;
    private readonly double[] _expectedMain;
    private readonly double[] _expectedAux;
    private readonly FitInput _input;
    private readonly FitOptions _options;

    /// <summary>Prepares toys generated at <paramref name="generation"/> and fitted from the model's inits.</summary>
    public ToyFits(HistFactoryModel model, ReadOnlySpan<double> generation, FitOptions options)
    {
        _model = model;
        _options = options;
        _expectedMain = new double[model.BinCount];
        _expectedAux = new double[model.AuxEntries.Count];
        model.ExpectedMainData(generation, _expectedMain);
        model.ExpectedAuxData(generation, _expectedAux);
        _input = ModelFits.Input(model);
    }

    /// <summary>
    /// The generation point: the fit of the observed data with the POI fixed at <paramref name="poiValue"/> (the
    /// conditional MLE, as pyhf's toy calculator uses), or the free fit when the model has no POI.
    /// </summary>
    public static double[] GenerationPoint(HistFactoryModel model, double poiValue, int threads)
    {
        FitInput input = ModelFits.Input(model);
        if (model.PoiIndex >= 0)
        {
            input = input.WithFixed(model.PoiIndex, poiValue);
        }
        var minimizer = new Minimizer(FitOptions.Default with { ComputeUncertainties = false, HessianParallelism = Math.Max(1, threads) });
        FitResult fit = minimizer.Minimize(model.ObservedObjective, input);
        if (!fit.Converged)
        {
            throw new CliException(ExitCodes.Failure,
                $"the fit of the observed data at {model.PoiName ?? "the POI"} = {poiValue.ToString(CultureInfo.InvariantCulture)} that sets the toys' generation point did not converge ({fit.Status}: {fit.Message})");
        }
        return fit.Parameters;
    }

    /// <summary>Per-thread state: a minimizer and the toy's data buffers.</summary>
    public sealed class Scratch(int bins, int aux, FitOptions options)
    {
        public Minimizer Minimizer { get; } = new(options);

        public double[] Main { get; } = new double[bins];

        public double[] Aux { get; } = new double[aux];
    }

    public Scratch CreateScratch() => new(_expectedMain.Length, _expectedAux.Length, _options);

    /// <summary>Draws toy <paramref name="index"/> and fits it.</summary>
    public BatchItemResult Run(long index, ulong seed, Scratch scratch)
    {
        ItemRandom random = ItemRandom.For(seed, index);
        for (int i = 0; i < _expectedMain.Length; i++)
        {
            scratch.Main[i] = random.NextPoisson(_expectedMain[i]);
        }
        IReadOnlyList<AuxEntry> entries = _model.AuxEntries;
        for (int a = 0; a < _expectedAux.Length; a++)
        {
            AuxEntry entry = entries[a];
            scratch.Aux[a] = entry.Constraint == ConstraintKind.Poisson
                ? random.NextPoisson(_expectedAux[a])
                : random.NextNormal(_expectedAux[a], entry.Sigma);
        }

        FitResult fit = scratch.Minimizer.Minimize(_model.CreateObjective(scratch.Main, scratch.Aux), _input);
        return new BatchItemResult
        {
            Status = fit.Status switch
            {
                FitStatus.Converged => BatchItemStatus.Converged,
                FitStatus.Failed => BatchItemStatus.Failed,
                _ => BatchItemStatus.NotConverged,
            },
            TwiceNll = fit.Value,
            Iterations = fit.Iterations,
            Evaluations = fit.Evaluations,
            Values = fit.Parameters,
            Uncertainties = fit.Uncertainties,
            Error = fit.Converged ? null : $"{ModelFits.StatusName(fit.Status)}: {fit.Message}",
        };
    }
}
