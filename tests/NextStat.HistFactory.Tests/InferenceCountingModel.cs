using NextStat.HistFactory.Inference;
using NextStat.Kernels.Fitting;

namespace NextStat.HistFactory.Tests;

/// <summary>
/// A small binned model with closed-form pieces, independent of the HistFactory builder: λ_i = μ·s_i + b_i·γ_i with,
/// per bin, either no nuisance parameter, a Gaussian constraint N(a_i | γ_i, σ_i) or a Poisson one Pois(a_i | γ_i·τ_i).
/// twice_nll = 2Σ(λ − n ln λ) + constraint terms (constants dropped: inference uses differences only).
/// </summary>
internal sealed class InferenceCountingModel : IInferenceModel
{
    private readonly double[] _signal;
    private readonly double[] _background;
    private readonly AuxDistribution?[] _constraints;
    private readonly double[] _widths;
    private readonly int[] _auxOfBin;

    public InferenceCountingModel(double[] counts, double[] signal, double[] background, AuxDistribution?[]? constraints = null, double[]? widths = null, double poiUpper = 10, double poiLower = 0)
    {
        int bins = counts.Length;
        _signal = signal;
        _background = background;
        _constraints = constraints ?? new AuxDistribution?[bins];
        _widths = widths ?? new double[bins];
        var names = new List<string> { "mu" };
        var inits = new List<double> { 1.0 };
        var lower = new List<double> { poiLower };
        var upper = new List<double> { poiUpper };
        var prefit = new List<double> { double.NaN };
        var aux = new List<double>();
        var sampling = new List<AuxSampling>();
        _auxOfBin = new int[bins];
        for (int i = 0; i < bins; i++)
        {
            _auxOfBin[i] = -1;
            if (_constraints[i] is { } kind)
            {
                _auxOfBin[i] = aux.Count;
                names.Add($"gamma[{i}]");
                inits.Add(1.0);
                lower.Add(1e-3);
                upper.Add(5.0);
                if (kind == AuxDistribution.Gaussian)
                {
                    prefit.Add(_widths[i]);
                    aux.Add(1.0);
                    sampling.Add(new AuxSampling(AuxDistribution.Gaussian, _widths[i]));
                }
                else
                {
                    // _widths holds τ for Poisson constraints; the pre-fit width is 1/√τ.
                    prefit.Add(1.0 / Math.Sqrt(_widths[i]));
                    aux.Add(_widths[i]);
                    sampling.Add(new AuxSampling(AuxDistribution.Poisson, double.NaN));
                }
            }
        }

        ParameterNames = names;
        Inits = inits;
        LowerBounds = lower;
        UpperBounds = upper;
        Fixed = new bool[names.Count];
        PrefitWidths = prefit;
        ObservedMainData = counts;
        ObservedAuxData = aux;
        AuxSampling = sampling;
    }

    public IReadOnlyList<string> ParameterNames { get; }

    public int PoiIndex => 0;

    public IReadOnlyList<double> Inits { get; }

    public IReadOnlyList<double> LowerBounds { get; }

    public IReadOnlyList<double> UpperBounds { get; }

    public IReadOnlyList<bool> Fixed { get; }

    public IReadOnlyList<double> PrefitWidths { get; }

    public IReadOnlyList<double> ObservedMainData { get; }

    public IReadOnlyList<double> ObservedAuxData { get; }

    public IReadOnlyList<AuxSampling> AuxSampling { get; }

    public IObjective CreateObjective(ReadOnlySpan<double> mainData, ReadOnlySpan<double> auxData) => new Objective(this, mainData.ToArray(), auxData.ToArray());

    public void ExpectedMainData(ReadOnlySpan<double> parameters, Span<double> result)
    {
        for (int i = 0; i < _signal.Length; i++)
        {
            result[i] = Lambda(parameters, i);
        }
    }

    public void ExpectedAuxData(ReadOnlySpan<double> parameters, Span<double> result)
    {
        for (int i = 0; i < _signal.Length; i++)
        {
            int a = _auxOfBin[i];
            if (a >= 0)
            {
                double gamma = parameters[1 + a];
                result[a] = _constraints[i] == AuxDistribution.Poisson ? gamma * _widths[i] : gamma;
            }
        }
    }

    private double Lambda(ReadOnlySpan<double> p, int bin) =>
        (p[0] * _signal[bin]) + (_background[bin] * (_auxOfBin[bin] >= 0 ? p[1 + _auxOfBin[bin]] : 1.0));

    private sealed class Objective(InferenceCountingModel model, double[] main, double[] aux) : IObjective, IObjectiveEvaluator
    {
        public int Dimension => model.ParameterNames.Count;

        public IObjectiveEvaluator CreateEvaluator() => this;

        public double Value(ReadOnlySpan<double> parameters) => ValueAndGradient(parameters, new double[Dimension]);

        public double ValueAndGradient(ReadOnlySpan<double> p, Span<double> g)
        {
            g.Clear();
            double f = 0;
            for (int i = 0; i < main.Length; i++)
            {
                double lambda = model.Lambda(p, i);
                f += 2 * (lambda - (main[i] * Math.Log(lambda)));
                double dLambda = 2 * (1 - (main[i] / lambda));
                g[0] += dLambda * model._signal[i];
                int a = model._auxOfBin[i];
                if (a < 0)
                {
                    continue;
                }

                double gamma = p[1 + a];
                g[1 + a] += dLambda * model._background[i];
                if (model._constraints[i] == AuxDistribution.Gaussian)
                {
                    double sigma = model._widths[i];
                    f += (aux[a] - gamma) * (aux[a] - gamma) / (sigma * sigma);
                    g[1 + a] += 2 * (gamma - aux[a]) / (sigma * sigma);
                }
                else
                {
                    double tau = model._widths[i];
                    f += 2 * ((gamma * tau) - (aux[a] * Math.Log(gamma * tau)));
                    g[1 + a] += 2 * (tau - (aux[a] / gamma));
                }
            }

            return f;
        }
    }
}
