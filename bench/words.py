"""Words for bench/generate.py: names, companies and job titles realistic enough to search."""


def _words(text: str, sep: str | None = None) -> list[str]:
    return [w.strip() for w in text.split(sep) if w.strip()]


FIRST_NAMES = _words(
    "James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa "
    "Matthew Betty Anthony Margaret Mark Sandra Donald Ashley Steven Kimberly Paul Emily "
    "Andrew Donna Joshua Michelle Kenneth Dorothy Kevin Carol Brian Amanda George Melissa "
    "Timothy Deborah Ronald Stephanie Edward Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia "
    "Jacob Kathleen Gary Amy Nicholas Angela Eric Shirley Jonathan Anna Stephen Brenda Larry "
    "Pamela Justin Emma Scott Nicole Brandon Helen Benjamin Samantha Samuel Katherine "
    "Gregory Christine Alexander Debra Frank Rachel Patrick Carolyn Raymond Janet Jack "
    "Catherine Dennis Maria Jerry Heather Tyler Diane Aaron Ruth Jose Julie Adam Olivia "
    "Nathan Joyce Henry Virginia Douglas Victoria Zachary Kelly Peter Lauren Kyle Christina "
    "Noah Joan Ethan Evelyn Jeremy Judith Walter Megan Christian Andrea Keith Cheryl Roger "
    "Hannah Terry Jacqueline Austin Martha Sean Gloria Gerald Teresa Carl Ann Harold Sara "
    "Dylan Madison Arthur Frances Lawrence Kathryn Jordan Janice Jesse Jean Bryan Abigail "
    "Billy Alice Bruce Julia Gabriel Judy Joe Sophia Logan Grace Alan Denise Juan Amber "
    "Albert Doris Willie Marilyn Elijah Danielle Wayne Beverly Randy Isabella Vincent "
    "Theresa Mason Diana Roy Natalie Ralph Brittany Bobby Charlotte Russell Marie Bradley "
    "Kayla Philip Alexis Lucia Mateo Sofia Hugo Ines Pablo Elena Diego Carmen Javier Lucas "
    "Yuki Hiro Aiko Wei Mei Priya Arjun Ananya Rohan Fatima Omar Leila Karim Ingrid Lars "
    "Astrid Sven Freya Mikko "
)

LAST_NAMES = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed "
    "Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
    "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales "
    "Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar "
    "Stevens Murray Ford Castro Marshall Owens Harrison Fernandez McDonald Woods Washington "
    "Kennedy Wells Vargas Henry Chen Freeman Webb Tucker Guzman Burns Crawford Olson Simpson "
    "Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz Hunt Hicks Holmes "
    "Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
    "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant "
    "Dunn Kelley Spencer Hawkins Tanaka Suzuki Sato Watanabe Yamamoto Wang Zhang Liu Singh "
    "Kumar Sharma Khan Ali Hassan Larsen Nielsen Jensen Virtanen Korhonen Muller Schneider "
    "Fischer Weber Becker Rossi Russo Ferrari Esposito Bianchi Dubois Moreau Laurent "
    "Lefebvre Leroy Novak Kowalski Horvat "
)

COMPANY_HEADS = _words(
    "Acme Globex Initech Umbrella Stark Wayne Wonka Hooli Vandelay Pied Northwind Contoso "
    "Fabrikam Tailspin Adventure Litware Proseware Lucerne Margie Trey Wingtip Alpine Coho "
    "Blue Yonder Fourth Coffee Humongous Wide World Southridge Woodgrove Graphic Datum "
    "Bluebird Redwood Silverline Ironclad Brightpath Clearwater Summit Pinnacle Horizon "
    "Evergreen Keystone Lighthouse Meridian Nimbus Orbit Quantum Riverbend Sterling Trident "
    "Vertex Zenith Apex Beacon Cascade Crescent Delta Echo Falcon Granite Harbor Insight "
    "Juniper Kinetic Lumen Mosaic Nova Onyx Polaris Radiant Sapphire Titan Unity Vector "
    "Willow Xenon Yellowstone Zephyr Atlas Boreal Cobalt Dynamo Ember Fjord Glacier Helix "
)

COMPANY_TAILS = _words(
    "Systems Analytics Logistics Software Labs Partners Holdings Industries Networks "
    "Solutions Dynamics Robotics Health Energy Foods Retail Media Capital Consulting "
    "Manufacturing Pharma Security Cloud Data Mobility Interactive Ventures Group Works "
)

JOB_TITLES = _words(
    "Chief Executive Officer|Chief Technology Officer|Chief Marketing Officer|VP of Sales|"
    "VP of Marketing|VP of Engineering|Head of Growth|Head of Operations|Head of IT|"
    "Marketing Manager|Sales Manager|Product Manager|Engineering Manager|IT Director|"
    "Procurement Manager|Operations Manager|Finance Director|Data Analyst|Data Engineer|"
    "Software Engineer|Solutions Architect|Business Analyst|Account Executive|"
    "Customer Success Manager|HR Director|Office Manager|Founder|Co-Founder|Consultant|"
    "Marketing Specialist|Demand Generation Manager|Content Strategist|Security Engineer|"
    "DevOps Engineer|Purchasing Agent|Controller|Chief Financial Officer|Owner|",
    "|",
)

COUNTRIES = _words("US US US US GB GB DE FR ES IT NL SE CA CA AU MX BR IN JP SG IE PL ")
